"""Dead letters: listed, replayed through the admin API (dead → pending → applied) or the CLI, and a running
sidecar's worker picks CLI-requeued events up by itself. An applied event is never run again."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest

from tests.sites import TestSite
from tests.webhooks.manage.conftest import Admin, AppFactory

DEAUTHORIZED = "account.application.deauthorized"


async def dead_event(site: TestSite, event_id: str, type_: str = DEAUTHORIZED, mode: str = "test",
                     status: str = "dead") -> None:
    payload = json.dumps({"id": event_id, "object": "event", "type": type_, "livemode": mode == "live",
                          "created": 1_800_000_000,
                          "data": {"object": {"id": f"ca_standin_{mode}", "object": "application"}}})
    await asyncio.to_thread(
        site.sql, f"INSERT INTO {site.table('fct_bridge_events')} (event_id, type, mode, created, payload, status, "
                  "attempts, next_attempt_at, received_at, last_error) VALUES (%s, %s, %s, 1800000000, %s, %s, 8, "
                  "UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'RuntimeError: boom')", (event_id, type_, mode, payload, status))


async def statuses(admin: Admin) -> dict[str, str]:
    return {str(e): str(s) for e, s in await admin.rows("fct_bridge_events", "event_id, status")}


async def test_replay_moves_a_dead_event_to_pending_then_applied(admin: Admin) -> None:
    """Listed as dead with its error; replayed: pending at once (health counts follow), applied by the worker."""
    await admin.ok("GET", "/admin/v1/stripe/settings")  # creates the bridge's tables
    await dead_event(admin.site, "evt_dead_1")

    listed = await admin.ok("GET", "/admin/v1/stripe/webhooks/events?status=dead&mode=test")
    answer = await admin.ok("POST", "/admin/v1/stripe/webhooks/replay", {"event_ids": ["evt_dead_1"]})

    assert [("evt_dead_1", "dead", 8, "RuntimeError: boom")] == [
        (e["event_id"], e["status"], e["attempts"], e["last_error"]) for e in listed["events"]]
    assert (1, 0, 1) == (answer["requeued"], answer["webhook_health"]["test"]["dead"],
                         answer["webhook_health"]["test"]["pending"])
    assert [("pending", 0)] == await admin.rows("fct_bridge_events", "status, attempts")

    await admin.drain()

    assert {"evt_dead_1": "applied"} == await statuses(admin)
    assert "evt_dead_1" == await admin.flag("reconnect_needed:test")


async def test_replay_all_dead_of_one_mode_leaves_the_other_and_never_reruns_applied(admin: Admin) -> None:
    """all_dead + mode requeues that mode's dead events only; an applied event named by id stays applied."""
    await admin.ok("GET", "/admin/v1/stripe/settings")
    await dead_event(admin.site, "evt_t1")
    await dead_event(admin.site, "evt_t2", type_="customer.created")
    await dead_event(admin.site, "evt_l1", mode="live")
    await dead_event(admin.site, "evt_done", status="applied")

    by_mode = await admin.ok("POST", "/admin/v1/stripe/webhooks/replay", {"all_dead": True, "mode": "test"})
    applied = await admin.ok("POST", "/admin/v1/stripe/webhooks/replay", {"event_ids": ["evt_done"]})

    assert (2, 0) == (by_mode["requeued"], applied["requeued"])
    expected = {"evt_t1": "pending", "evt_t2": "pending", "evt_l1": "dead", "evt_done": "applied"}
    assert expected == await statuses(admin)


@pytest.mark.parametrize("body", [{}, {"event_ids": []}, {"event_ids": ["ch_1"]}, {"all_dead": False},
                                  {"all_dead": True, "event_ids": ["evt_1"]}, {"all_dead": True, "mode": "prod"},
                                  ["evt_1"]],
                         ids=["empty", "no-ids", "not-an-event", "all-dead-false", "both", "bad-mode", "a-list"])
async def test_malformed_replay_requests_are_refused(admin: Admin, body: Any) -> None:
    """400 bad_request, nothing requeued."""
    status, answer = await admin.call("POST", "/admin/v1/stripe/webhooks/replay", body)

    assert (400, "bad_request") == (status, answer["error"])


async def test_the_event_list_rejects_unknown_statuses(admin: Admin) -> None:
    status, answer = await admin.call("GET", "/admin/v1/stripe/webhooks/events?status=dead,lost")

    assert (400, "unknown status lost") == (status, answer["detail"].split(";")[0])


async def cli(admin: Admin, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bridge.cli", "--wp-config", str(admin.site.wp_config), "webhooks", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_the_cli_lists_and_replays_and_a_running_worker_applies(admin_site: TestSite,
                                                                      make_admin: AppFactory) -> None:
    """`webhooks list --status dead --json` shows the dead events; `webhooks replay --all-dead` requeues them
    in the database; the running sidecar (its worker polling) applies them without being told."""
    running = await make_admin(admin_site, workers=1)
    await running.ok("GET", "/admin/v1/stripe/settings")
    await dead_event(admin_site, "evt_cli_1")
    await dead_event(admin_site, "evt_cli_2", type_="customer.created")

    listed = await cli(running, "list", "--status", "dead", "--json")
    text = await cli(running, "list")
    usage = await cli(running, "replay")
    replayed = await cli(running, "replay", "--all-dead")

    assert 0 == listed[0], listed[2]
    assert ["evt_cli_2", "evt_cli_1"] == [e["event_id"] for e in json.loads(listed[1])["events"]]
    assert "evt_cli_1  account.application.deauthorized  test  dead  attempts=8" in text[1]
    assert (2, "give either EVENT_ID … or --all-dead") == (usage[0], usage[2].strip().split("error: ")[1])
    assert (0, "requeued 2 events") == (replayed[0], replayed[1].split(";")[0])
    for _ in range(50):  # the worker polls every 0.5 s
        if not set((await statuses(running)).values()) & {"dead", "pending"}:
            break
        await asyncio.sleep(0.1)
    assert {"evt_cli_1": "applied", "evt_cli_2": "ignored"} == await statuses(running)


async def test_a_delivery_that_keeps_failing_can_be_replayed_by_id(admin: Admin) -> None:
    """A pending event waiting for its next attempt is retried now when named (attempts reset)."""
    await admin.ok("GET", "/admin/v1/stripe/settings")
    await dead_event(admin.site, "evt_waiting", status="pending")
    await admin.sql(f"UPDATE {admin.site.table('fct_bridge_events')} SET next_attempt_at = "
                    "UTC_TIMESTAMP(3) + INTERVAL 1 HOUR")

    answer = await admin.ok("POST", "/admin/v1/stripe/webhooks/replay", {"event_ids": ["evt_waiting"]})
    await admin.drain()

    assert (1, {"evt_waiting": "applied"}) == (answer["requeued"], await statuses(admin))

