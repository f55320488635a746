"""`fct-bridge doctor [--json]`: every check with ✓/✗ and its fix; exit 1 when anything blocks payments."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

from bridge.doctor import Finding, diagnose
from bridge.errors import BridgeError
from bridge.stripe_api import stripe_api_from_env
from bridge.wordpress.wp_config import WpConfig


def add_commands(groups: Any, load_config: Callable[[argparse.Namespace], WpConfig]) -> None:
    doctor = groups.add_parser("doctor", help="check everything a store's Stripe needs, with the fix for each")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(handler=lambda args: cmd_doctor(args, load_config))


def cmd_doctor(args: argparse.Namespace, load_config: Callable[[argparse.Namespace], WpConfig]) -> int:
    try:
        cfg = load_config(args)
    except BridgeError as exc:
        findings, blocked = [Finding("wp-config.php", False, str(exc), "point --wp-config at a readable file",
                                     blocking=True)], True
    else:
        findings, blocked = asyncio.run(_diagnose(cfg))
    if args.json:
        print(json.dumps({"ok": not blocked, "findings": [f.to_json() for f in findings]}, ensure_ascii=False))
    else:
        print("\n".join(f.line() for f in findings))
        print("payments blocked: fix the ✗ lines marked above" if blocked else "nothing blocks payments")
    return 1 if blocked else 0


async def _diagnose(cfg: WpConfig) -> tuple[list[Finding], bool]:
    api = stripe_api_from_env(os.environ)
    try:
        return await diagnose(cfg, api)
    finally:
        await api.close()
