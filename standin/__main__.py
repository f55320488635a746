"""`python -m standin --host 127.0.0.1 --port 8420 [--platform CLIENT_ID:SECRET_KEY[:live]] …`

Serves the stand-in on a loopback address only, then prints one JSON line with its URL and the seeded
(fake) platform and demo-account credentials."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from standin.app import create_standin_app
from standin.state import PlatformSpec, StandinState


def loopback(host: str) -> bool:
    """True for `localhost` and any 127.0.0.0/8 or ::1 literal; names other than localhost are refused."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m standin", description="An offline Stripe stand-in.")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8420, help="TCP port (default 8420; 0 picks a free one)")
    parser.add_argument("--platform", action="append", default=[], metavar="CLIENT_ID:SECRET_KEY[:live]",
                        help="a Connect platform; repeat for several (default: the two stand-in platforms)")
    parser.add_argument("--no-demo-account", action="store_true", help="do not create the demo account")
    args = parser.parse_args(argv)
    if not loopback(args.host):
        parser.error(f"refusing to listen on {args.host!r}: the stand-in binds loopback addresses only")
    try:
        args.platforms = [PlatformSpec.parse(text) for text in args.platform]
    except ValueError as exc:
        parser.error(str(exc))
    return args


def ready_line(url: str, state: StandinState) -> dict[str, Any]:
    """What the launcher prints once listening: the URL and the fake credentials to use against it."""
    platforms = [{"client_id": p.client_id, "secret_key": p.secret_key, "livemode": p.livemode,
                  "account": p.account_id} for p in state.platforms.values()]
    demo: dict[str, Any] | None = None
    if state.demo_account_id is not None:
        account = state.accounts[state.demo_account_id]
        keys = state.account_keys[(account.id, account.livemode)]
        demo = {"id": account.id, "email": account.email, "livemode": account.livemode,
                "secret_key": keys.secret, "publishable_key": keys.publishable,
                "restricted_key": keys.restricted}
    return {"standin": "ready", "url": url, "platforms": platforms, "demo_account": demo}


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket, so the real port is known even for `--port 0`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1" if host == "localhost" else host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def serve(args: argparse.Namespace) -> None:
    state = StandinState(args.platforms or None, demo_account=not args.no_demo_account)
    runner = web.AppRunner(create_standin_app(state), access_log=None)
    await runner.setup()
    sock = listening_socket(args.host, args.port)
    site = web.SockSite(runner, sock)
    await site.start()
    port = sock.getsockname()[1]
    bound = sock.getsockname()[0]
    host = f"[{bound}]" if ":" in bound else bound
    print(json.dumps(ready_line(f"http://{host}:{port}", state)), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print(f"standin: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
