"""`python -m standin`: loopback only, one JSON ready line with the URL and the seeded credentials."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import aiohttp
import pytest

from standin.__main__ import loopback
from standin.state import PlatformSpec

ROOT = Path(__file__).resolve().parents[2]


async def run_standin(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "standin", *args, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_it_prints_a_ready_line_and_serves_the_printed_credentials() -> None:
    """--port 0 picks a free port; the printed demo key and platform key authenticate on that URL."""
    process = await run_standin("--port", "0", "--platform", "ca_mine:sk_test_minePlatformKey1234")
    try:
        assert process.stdout is not None
        ready = json.loads(await asyncio.wait_for(process.stdout.readline(), timeout=20))
        async with aiohttp.ClientSession() as session:
            demo = await session.get(f"{ready['url']}/v1/account",
                                     headers={"Authorization": f"Bearer {ready['demo_account']['secret_key']}"})
            platform = await session.get(f"{ready['url']}/v1/account",
                                         headers={"Authorization": "Bearer sk_test_minePlatformKey1234"})
            assert (200, ready["demo_account"]["id"]) == (demo.status, (await demo.json())["id"])
            assert 200 == platform.status
    finally:
        process.terminate()
        await process.wait()

    assert ready["url"].startswith("http://127.0.0.1:")
    assert [("ca_mine", "sk_test_minePlatformKey1234", False)] == [
        (p["client_id"], p["secret_key"], p["livemode"]) for p in ready["platforms"]]
    assert 0 == process.returncode


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])  # noqa: S104 - refused
async def test_it_refuses_a_non_loopback_host(host: str) -> None:
    """Anything but a loopback address or localhost ends with a usage error before binding."""
    process = await run_standin("--host", host, "--port", "0")
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)

    assert 2 == process.returncode
    assert "binds loopback addresses only" in stderr.decode()


def test_loopback_accepts_only_loopback_addresses() -> None:
    """127.0.0.0/8, ::1 and localhost are loopback; nothing else is."""
    assert [True, True, True, True, False, False] == [
        loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "localhost", "0.0.0.0",  # noqa: S104
                              "localhost.example")]


def test_platform_specs_parse_and_check_their_mode() -> None:
    """CLIENT_ID:SECRET_KEY[:live]; the mode comes from the key and must agree with :live."""
    assert PlatformSpec("ca_a", "sk_live_abc", True) == PlatformSpec.parse("ca_a:sk_live_abc:live")
    assert PlatformSpec("ca_a", "sk_test_abc", False) == PlatformSpec.parse("ca_a:sk_test_abc")
    for bad in ("ca_a", "ca_a:sk_test_abc:live", "ca_a:pk_test_abc", "app:sk_test_abc", "ca_a:sk_live_x:test"):
        with pytest.raises(ValueError):
            PlatformSpec.parse(bad)
