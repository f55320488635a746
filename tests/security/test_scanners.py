"""The scanners find what they look for: a scan that cannot fail proves nothing."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.config import ServiceConfig
from bridge.site import site_from_config
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.security.session_scan import REGISTRY, LogFileTail, LogScanHandler, Registry
from tests.security.test_secret_storage import plaintext_secrets

SHARED = "scanner-self-test-shared-secret-0123456789"


def test_the_registry_finds_known_values_and_secret_shapes_but_not_masks_or_public_keys() -> None:
    registry = Registry()
    registry.add_defines({"FCT_BRIDGE_SECRET": SHARED, "FCT_STRIPE_TEST_PUBLISHABLE_KEY": "pk_test_51PublicAnyway0",
                          "DB_NAME": "not-a-secret-name", "AUTH_SALT": "short"})

    assert ["wp-config FCT_BRIDGE_SECRET"] == registry.kinds_in(f"detail: key={SHARED}.")
    assert ["a sk_… key shape", "a whsec_… key shape"] == registry.kinds_in("sk_live_abcd1234 whsec_Zx9+/=")
    assert ["a rk_… key shape"] == registry.kinds_in('"rk_test_51Restricted"')
    assert [] == registry.kinds_in("sk_test_…WXYZ sk_test_****WXYZ [redacted] pk_test_51PublicAnyway0 "
                                   "not-a-secret-name short")


def test_the_log_handler_scans_lines_as_the_sidecar_writes_them() -> None:
    """A structured field holding the shared secret is found; a Stripe key is masked by the format itself."""
    registry = Registry()
    registry.add([SHARED], "shared secret")
    handler = LogScanHandler(registry)
    logger = logging.getLogger("tests.security.scanner_self_test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("refused", extra={"fields": {"detail": f"secret was {SHARED}"}})
        logger.warning("key sk_live_abcdef123456 was refused")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    assert ["shared secret"] == [f.kind for f in registry.findings]
    assert 2 == registry.scanned["log lines"]


async def test_every_sidecar_answer_to_a_test_client_is_scanned(
        make_site: SiteFactory, aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> None:
    """The session wrapper reads and scans the sidecar's answers (the body stays readable for the test)."""
    site = make_site(defines={"FCT_BRIDGE_SECRET": SHARED})
    app = create_app(ServiceConfig(wp_config=str(site.wp_config), workers=0),
                     site_from_config(load_wp_config(site.wp_config, {})))
    client = await aiohttp_client(app)
    before = REGISTRY.scanned["responses"]

    response = await client.get("/healthz")

    assert {"status": "ok"} == await response.json()
    assert before + 1 == REGISTRY.scanned["responses"]
    assert SHARED in REGISTRY.values


def test_the_database_scan_finds_plaintext_and_base64_encoded_secrets(make_site: SiteFactory) -> None:
    site = make_site()
    site.sql(f"INSERT INTO {site.table('options')} (option_name, option_value) VALUES (%s, %s), (%s, %s), (%s, %s)",
             ("plain", json.dumps({"k": "sk_live_FAKEplainInTheDb"}),
              "encoded", base64.b64encode(b"whsec_base64IsNotEncryption0000").decode(),
              "known", f"a:1:{{s:1:\"k\";s:{len(SHARED)}:\"{SHARED}\";}}"))
    conn = site.server.connect(site.database)
    try:
        found = plaintext_secrets(conn, site.database, {SHARED: "FCT_BRIDGE_SECRET"})
    finally:
        conn.close()

    assert ["wp_options.option_value: FCT_BRIDGE_SECRET", "wp_options.option_value: sk_… shape",
            "wp_options.option_value: whsec_… shape"] == found


def test_log_files_are_read_from_where_the_last_read_stopped_across_a_rotation(tmp_path: Path) -> None:
    """Only what was appended since the last read, including the end of a log a restart moved to `.1`."""
    log = tmp_path / "sidecar.log"
    log.write_text("old line\n")
    tail = LogFileTail(log)
    with log.open("a") as handle:
        handle.write("first\n")
    assert ["first"] == tail.read_new()

    with log.open("a") as handle:
        handle.write("before the restart\n")
    log.rename(tmp_path / "sidecar.log.1")
    log.write_text("after the restart\n")

    assert ["before the restart", "after the restart"] == tail.read_new()
    assert [] == tail.read_new()
