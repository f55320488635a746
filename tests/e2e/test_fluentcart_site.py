"""The test site runs the real FluentCart (from ../shared/peers/ or FCT_FLUENTCART), installed by the same
scripts/site.sh the demo uses: active, its tables migrated, its pages answering on WordPress 6.1, and
nothing leaving the machine (e-mails and external HTTP are recorded by the test/demo must-use plugin)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.site import PORTS, ROOT, E2ESite

pytestmark = pytest.mark.allow_blocking

SHARED_FLUENTCART = ROOT.parent / "shared" / "peers" / "fluent-cart-1.3.25.tar.gz"


def run_in_wordpress(site: E2ESite, code: str, tmp_path: Path) -> str:
    """Run PHP statements inside the site's WordPress (wp-load.php) and return what they print."""
    script = tmp_path / "in_wordpress.php"
    script.write_text("<?php\n$_SERVER['HTTP_HOST'] = '127.0.0.1';\n$_SERVER['REQUEST_URI'] = '/';\n"
                      f"require {site['FCT_SITE_DIR']!r} . '/wp-load.php';\n{code}\n", encoding="utf-8")
    result = subprocess.run(["php", str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def records(site: E2ESite, kind: str) -> list[dict[str, object]]:
    path = Path(site["FCT_SITE_DIR"]) / "wp-content" / f"fct-offline-{kind}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.skipif(not SHARED_FLUENTCART.exists() and not os.environ.get("FCT_FLUENTCART"),
                    reason="no FluentCart archive on this machine")
def test_the_site_runs_the_real_fluentcart_active_with_its_tables_and_answering_pages(e2e_site: E2ESite) -> None:
    """FluentCart 1.3.25 is active with its 35 tables, and WordPress 6.1 serves pages with it (the shim works)."""
    assert e2e_site["FCT_FLUENTCART_VERSION"] == "1.3.25"
    [(active,)] = e2e_site.sql("SELECT option_value FROM wp_options WHERE option_name = 'active_plugins'")
    assert "fluent-cart/fluent-cart.php" in str(active)
    [(tables,)] = e2e_site.sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                               "AND TABLE_NAME LIKE 'wp\\_fct\\_%%' AND TABLE_NAME NOT LIKE 'wp\\_fct\\_bridge%%'")
    assert tables == 35
    # FluentCart's own tables, not FluentCart-shaped ones: columns only its migrations create.
    assert e2e_site.sql("SHOW COLUMNS FROM wp_fct_product_variations LIKE 'sku'")
    with urllib.request.urlopen(f"{e2e_site.url}/", timeout=30) as response:
        assert response.status == 200
    assert not (ROOT / "fluent-cart").exists(), "FluentCart must never be unpacked into the repository"


def test_e2e_site_sends_no_mail_and_calls_no_external_host(e2e_site: E2ESite, tmp_path: Path) -> None:
    """wp_mail and a request to api.stripe.com are recorded and refused; the sidecar on 127.0.0.1 is reachable."""
    before_mail, before_http = len(records(e2e_site, "mail")), len(records(e2e_site, "http"))
    out = run_in_wordpress(e2e_site, """
        $sent = wp_mail( 'buyer@example.com', 'Your receipt', 'body' );
        $stripe = wp_remote_get( 'https://api.stripe.com/v1/events/evt_offline' );
        $local = wp_remote_get( FCT_BRIDGE_URL . '/healthz' );
        echo wp_json_encode( array(
            'sent' => $sent,
            'stripe' => is_wp_error( $stripe ) ? $stripe->get_error_code() : 'answered',
            'local' => wp_remote_retrieve_response_code( $local ),
        ) );""", tmp_path)
    assert json.loads(out.strip().splitlines()[-1]) == {"sent": True, "stripe": "fct_offline", "local": 200}
    mail, http = records(e2e_site, "mail")[before_mail:], records(e2e_site, "http")[before_http:]
    assert [(m["to"], m["subject"]) for m in mail] == [("buyer@example.com", "Your receipt")]
    assert [(h["method"], h["url"]) for h in http] == [("GET", "https://api.stripe.com/v1/events/evt_offline")]


def test_a_fluentcart_archive_that_does_not_exist_stops_site_sh_before_anything_is_installed() -> None:
    """FCT_FLUENTCART naming a missing file fails at once with a clear message and creates no site."""
    env = {**os.environ, "FCT_SITE_NAME": "fc-missing-archive", **PORTS, "FCT_FLUENTCART": "/nonexistent/fc.zip"}
    result = subprocess.run([str(ROOT / "scripts" / "site.sh"), "up"], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1
    assert "FCT_FLUENTCART names no file: '/nonexistent/fc.zip'" in result.stderr
    assert not (ROOT / "var" / "fc-missing-archive").exists()
