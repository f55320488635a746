"""`fct-bridge` end to end: a real wp-config.php, a real MariaDB, and PHP reading what was written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SiteFactory
from tests.php import run_fluentcart_php
from tests.sites import TestSite

SK_TEST = "sk_test_51PhpWroteThisKeyAbcdWXYZ"
PK_TEST = "pk_test_51PhpWroteThisKeyAbcdWXYZ"
KEY = "fluent_cart_payment_settings_stripe"


def cli(*args: str, wp_config: Path | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["--wp-config", str(wp_config)] if wp_config else []
    return subprocess.run([sys.executable, "-m", "bridge.cli", *prefix, *args],
                          capture_output=True, text=True, timeout=60, check=False)


def salts(site: TestSite) -> dict[str, str]:
    return {k: site.defines[k] for k in ("LOGGED_IN_KEY", "LOGGED_IN_SALT")}


def write_row_with_php(site: TestSite, settings: dict[str, object]) -> str:
    """FluentCart's PHP encrypts the secret with the site's salts and encodes the row."""
    php = (
        "$s = json_decode(stream_get_contents(STDIN), true);"
        "$s['test_secret_key'] = fct_encrypt_key($s['test_secret_key']);"
        "echo fct_meta_json($s);"
    )
    row = run_fluentcart_php(php, json.dumps(settings).encode(), defines=salts(site)).decode()
    site.sql(f"INSERT INTO {site.table('fct_meta')} (object_type, meta_key, meta_value, created_at, updated_at) "
             "VALUES ('option', %s, %s, UTC_TIMESTAMP(), UTC_TIMESTAMP())", (KEY, row))
    return row


def stored_row(site: TestSite) -> str:
    [(value,)] = site.sql(f"SELECT meta_value FROM {site.table('fct_meta')} WHERE meta_key = %s", (KEY,))
    return str(value)


def test_settings_show_reads_a_row_fluentcart_wrote(make_site: SiteFactory) -> None:
    """A row PHP encrypted with the site's salts shows the masked key and decryptable: true."""
    site = make_site()
    write_row_with_php(site, {"is_active": "yes", "test_publishable_key": PK_TEST, "test_secret_key": SK_TEST,
                              "payment_mode": "test", "test_account_id": "acct_123"})

    result = cli("settings", "show", "--json", wp_config=site.wp_config)

    assert 0 == result.returncode, result.stderr
    shown = json.loads(result.stdout)
    assert {"publishable_key": PK_TEST, "account_id": "acct_123",
            "secret_key": {"masked": "sk_test_…WXYZ", "source": "database", "decryptable": True},
            "webhook_secret": {"masked": None, "source": "none", "decryptable": True}} == shown["modes"]["test"]
    assert (True, "test") == (shown["is_active"], shown["store_mode"])
    assert SK_TEST not in result.stdout


def test_settings_set_writes_what_php_decrypts_and_encodes_identically(make_site: SiteFactory) -> None:
    """After `settings set`, PHP decrypts the key to the value given and re-encodes the row to the same bytes."""
    site = make_site()

    result = cli("settings", "set", "--skip-stripe-check", f"test_secret_key={SK_TEST}",
                 f"test_publishable_key={PK_TEST}", "checkout_mode=hosted", "is_active=yes", wp_config=site.wp_config)

    assert 0 == result.returncode, result.stderr
    row = stored_row(site)
    php = run_fluentcart_php(
        "$row = stream_get_contents(STDIN); $s = json_decode($row, true);"
        "echo json_encode([fct_decrypt_key($s['test_secret_key']), fct_meta_json($s) === $row]);",
        row.encode(), defines=salts(site),
    )
    assert [SK_TEST, True] == json.loads(php)
    assert SK_TEST not in result.stdout + result.stderr


def test_settings_show_reads_the_store_mode_from_fluentcarts_store_settings(make_site: SiteFactory) -> None:
    """order_mode in the PHP-serialized fluent_cart_store_settings option is the store mode."""
    site = make_site()
    site.sql(f"INSERT INTO {site.table('options')} (option_name, option_value) VALUES (%s, %s)",
             ("fluent_cart_store_settings", 'a:2:{s:10:"order_mode";s:4:"live";s:8:"currency";s:3:"USD";}'))

    result = cli("settings", "show", "--json", wp_config=site.wp_config)

    assert "live" == json.loads(result.stdout)["store_mode"]


def test_bad_fields_are_all_named_and_nothing_is_written(make_site: SiteFactory) -> None:
    """Exit 2, one line naming every bad field, and the database unchanged."""
    site = make_site()
    before = site.snapshot()

    result = cli("settings", "set", "--skip-stripe-check", "test_secret_key=sk_live_abc", "is_active=maybe",
                 "test_publishable_key=pk_test_ok1", wp_config=site.wp_config)

    assert (2, 1) == (result.returncode, len(result.stderr.strip().splitlines()))
    assert "test_secret_key" in result.stderr and "is_active" in result.stderr
    assert before == site.snapshot()


def test_a_key_defined_in_wp_config_is_refused(make_site: SiteFactory) -> None:
    """Constants win; the CLI says which one and writes nothing."""
    site = make_site(defines={"FCT_STRIPE_TEST_SECRET_KEY": SK_TEST})
    before = site.snapshot()

    result = cli("settings", "set", "--skip-stripe-check", "test_secret_key=sk_test_other123", wp_config=site.wp_config)

    assert 2 == result.returncode
    assert "FCT_STRIPE_TEST_SECRET_KEY" in result.stderr
    assert before == site.snapshot()


def test_activating_with_a_key_the_salts_cannot_decrypt_is_refused(make_site: SiteFactory) -> None:
    """Wrong salts: the stored key is shown undecryptable and activation is refused with the reason."""
    site = make_site()
    write_row_with_php(site, {"test_publishable_key": PK_TEST, "test_secret_key": SK_TEST})
    site.defines["LOGGED_IN_SALT"] = "a-different-salt"
    site.write_config()
    before = site.snapshot()

    shown = json.loads(cli("settings", "show", "--json", wp_config=site.wp_config).stdout)
    result = cli("settings", "set", "--skip-stripe-check", "is_active=yes", wp_config=site.wp_config)

    assert {"masked": None, "source": "database", "decryptable": False} == shown["modes"]["test"]["secret_key"]
    assert 2 == result.returncode
    assert "cannot activate" in result.stderr
    assert before == site.snapshot()


def test_a_malformed_stored_row_is_an_error_and_nothing_is_written(make_site: SiteFactory) -> None:
    """A row that is not JSON is named; `set` refuses to overwrite it blindly."""
    site = make_site()
    site.sql(f"INSERT INTO {site.table('fct_meta')} (object_type, meta_key, meta_value) VALUES ('option', %s, %s)",
             (KEY, '{"is_active":"yes",'))
    before = site.snapshot()

    show = cli("settings", "show", wp_config=site.wp_config)
    set_ = cli("settings", "set", "--skip-stripe-check", "checkout_mode=hosted", wp_config=site.wp_config)

    assert (2, 2) == (show.returncode, set_.returncode)
    assert "is not valid JSON" in show.stderr
    assert before == site.snapshot()


def test_an_unreadable_wp_config_is_an_environment_error(tmp_path: Path) -> None:
    """A missing file exits 1 with one line naming it."""
    result = cli("settings", "show", wp_config=tmp_path / "missing" / "wp-config.php")

    assert 1 == result.returncode
    assert 1 == len(result.stderr.strip().splitlines())
    assert result.stderr.startswith(f"fct-bridge: error: cannot read {tmp_path / 'missing' / 'wp-config.php'}")


def test_an_unsupported_expression_for_a_needed_value_is_named_with_its_line(make_site: SiteFactory) -> None:
    """A secret constant built by a function call is reported by name and line, not guessed."""
    site = make_site(extra_php="define('FCT_STRIPE_TEST_SECRET_KEY', base64_decode('c2tfdGVzdF94'));")

    result = cli("settings", "show", wp_config=site.wp_config)

    assert 2 == result.returncode
    assert "FCT_STRIPE_TEST_SECRET_KEY, line" in result.stderr
    assert "c2tfdGVzdF94" not in result.stderr


def test_a_bad_table_prefix_is_refused(make_site: SiteFactory) -> None:
    """A prefix outside [A-Za-z0-9_] never reaches SQL."""
    site = make_site(prefix="wp-shop", tables=False)

    result = cli("settings", "show", wp_config=site.wp_config)

    assert 2 == result.returncode
    assert "prefix" in result.stderr


def test_a_database_that_is_down_is_an_environment_error(make_site: SiteFactory) -> None:
    """No server on the configured port: exit 1, one line, no traceback."""
    site = make_site(tables=False, defines={})
    site.wp_config.write_text(site.wp_config.read_text().replace(
        f"'{site.server.host}:{site.server.port}'", "'127.0.0.1:1'"))

    result = cli("settings", "show", wp_config=site.wp_config)

    assert 1 == result.returncode
    assert 1 == len(result.stderr.strip().splitlines())
    assert "database unavailable" in result.stderr


def test_config_show_lists_what_was_parsed_without_secrets(make_site: SiteFactory) -> None:
    """Names and presence only: no password, salt or key value appears."""
    site = make_site(defines={"FCT_STRIPE_TEST_SECRET_KEY": SK_TEST, "FCT_BRIDGE_SECRET": "bridge-shared-secret-1"})

    result = cli("config", "show", "--json", wp_config=site.wp_config)

    assert 0 == result.returncode, result.stderr
    data = json.loads(result.stdout)
    assert ["FCT_BRIDGE_SECRET", "FCT_STRIPE_TEST_SECRET_KEY"] == data["fct_constants"]
    assert {"LOGGED_IN_KEY": True, "LOGGED_IN_SALT": True, "FLUENT_CART_ENCRYPTION_KEY": False} == data["salts"]
    for secret in (SK_TEST, "bridge-shared-secret-1", site.defines["LOGGED_IN_KEY"], site.defines["LOGGED_IN_SALT"]):
        assert secret not in result.stdout


@pytest.mark.parametrize(("args", "code"), [(("settings", "set", "novalue"), 2), ((), 2)],
                         ids=["pair-without-equals", "no-command"])
def test_usage_errors_exit_2(args: tuple[str, ...], code: int, make_site: SiteFactory) -> None:
    """Malformed command lines are bad input."""
    site = make_site(tables=False)

    assert code == cli(*args, wp_config=site.wp_config).returncode
