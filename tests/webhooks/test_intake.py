"""Webhook intake: verified over the raw bytes, recorded, stored durably, and only then acknowledged."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time

import pytest

from bridge.keys import refusals_key
from tests.webhooks.conftest import LIVE_WHSEC, TEST_WHSEC, Hooks, event


async def test_a_verified_event_is_stored_then_acknowledged(hooks: Hooks) -> None:
    """200 comes with the event already in the inbox (pending) and the delivery recorded as accepted."""
    evt = event("charge.succeeded", {"id": "ch_1", "object": "charge"})

    response = await hooks.deliver(evt)

    assert (200, "accepted") == (response.status, (await response.json())["outcome"])
    assert [(evt["id"], "charge.succeeded", "test", "pending")] == hooks.rows(
        "fct_bridge_events", "event_id, type, mode, status")
    assert [(evt["id"], "accepted", "test")] == hooks.rows("fct_bridge_deliveries", "event_id, verdict, mode")


async def test_the_payload_is_kept_byte_for_byte(hooks: Hooks) -> None:
    """The stored payload is the body as received (pretty-printed, unicode and all)."""
    evt = event("charge.succeeded", {"id": "ch_2", "description": "Caf\u00e9 / <b>"})
    body = json.dumps(evt, indent=4, ensure_ascii=False).encode()

    await hooks.deliver(body, header=_sign(body, TEST_WHSEC))

    assert [(body.decode(),)] == hooks.rows("fct_bridge_events", "payload")


async def test_a_redelivered_event_is_acknowledged_and_not_stored_again(hooks: Hooks) -> None:
    """Stripe delivers at least once: the same id is a 200 "duplicate" and one row."""
    evt = event("invoice.paid", {"id": "in_1"})
    await hooks.deliver(evt)

    again = await hooks.deliver(evt)

    assert (200, "duplicate") == (again.status, (await again.json())["outcome"])
    assert 1 == len(hooks.rows("fct_bridge_events"))
    assert ["accepted", "duplicate"] == [v for (v,) in hooks.rows("fct_bridge_deliveries", "verdict")]


async def test_live_events_verify_with_the_live_secret(hooks: Hooks) -> None:
    """Both modes' secrets are tried; a live event signed with the live secret is stored as live."""
    response = await hooks.deliver(event("charge.succeeded", {"id": "ch_3"}, livemode=True))

    assert 200 == response.status
    assert [("live",)] == hooks.rows("fct_bridge_events", "mode")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing Stripe-Signature header"),
        ("garbage", "Unable to extract timestamp and signatures from header"),
        ("wrong-secret", "No signatures found matching the expected signature for payload"),
        ("stale", "Timestamp outside the tolerance zone"),
        ("future", "Timestamp outside the tolerance zone"),
    ],
    ids=["unsigned", "malformed-header", "forged-with-another-secret", "stale-replay", "signed-10-min-ahead"],
)
async def test_bad_signatures_are_refused_with_the_reason_counted(hooks: Hooks, header: str | None,
                                                                  reason: str) -> None:
    """400 with a specific reason and its code, counted in memory, and nothing written: no inbox row, no
    delivery row."""
    evt = event("charge.succeeded", {"id": "ch_4"})
    body = json.dumps(evt).encode()
    headers = {
        None: {},
        "garbage": {"Stripe-Signature": "garbage"},
        "wrong-secret": {"Stripe-Signature": _sign(body, "whsec_someoneElsesSecret")},
        "stale": {"Stripe-Signature": _sign(body, TEST_WHSEC, ts=int(time.time()) - 301)},
        "future": {"Stripe-Signature": _sign(body, TEST_WHSEC, ts=int(time.time()) + 600)},
    }[header]

    response = await hooks.client.post("/webhooks/stripe", data=body, headers=headers)

    answer = await response.json()
    assert 400 == response.status
    assert reason in answer["detail"]
    assert [] == hooks.rows("fct_bridge_events")
    assert [] == hooks.rows("fct_bridge_deliveries")
    assert {answer["code"]: 1} == hooks.app[refusals_key].for_mode("test").counts


async def test_an_event_claiming_the_other_mode_is_refused(hooks: Hooks) -> None:
    """Signed with the test secret but saying livemode=true: refused, so test keys can never move live orders."""
    evt = event("charge.succeeded", {"id": "ch_5"}, livemode=True)

    response = await hooks.deliver(evt, secret=TEST_WHSEC)

    assert 400 == response.status
    assert "signed with the test signing secret" in (await response.json())["detail"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"\xff\xfe not utf-8", "not UTF-8 JSON"), (b"[1, 2]", "not a JSON object"),
     (b'{"id": "x", "type": "a"}', "no evt_ id"), (b'{"id": "evt_1", "type": "a"}', "created or livemode")],
    ids=["not-utf8", "not-an-object", "no-event-id", "no-created-or-livemode"],
)
async def test_a_malformed_but_signed_body_is_refused(hooks: Hooks, body: bytes, reason: str) -> None:
    """A correctly signed body that is not a Stripe event is a 400 naming what is wrong."""
    response = await hooks.deliver(body, header=_sign(body, TEST_WHSEC))

    assert 400 == response.status
    assert reason in (await response.json())["detail"]
    assert [] == hooks.rows("fct_bridge_events")


async def test_a_signed_event_nested_1000_levels_deep_is_a_400_with_a_reason(hooks: Hooks) -> None:
    """Deep nesting is refused as a bad body (400, saying why), not a 500, and nothing is stored."""
    evt = event("charge.succeeded", {"id": "ch_deep"})
    body = json.dumps(evt).encode()[:-1] + b', "deep": ' + b"[" * 1000 + b"]" * 1000 + b"}"

    response = await hooks.deliver(body, header=_sign(body, TEST_WHSEC))

    assert (400, "body is not a Stripe event: JSON nested too deeply") == (
        response.status, (await response.json())["detail"])
    assert [] == hooks.rows("fct_bridge_events")


async def test_an_oversized_body_gets_413(hooks: Hooks) -> None:
    """Over the size limit (512 KiB) nothing is read further or stored."""
    body = b'{"pad": "' + b"x" * (600 * 1024) + b'"}'

    response = await hooks.deliver(body, header=_sign(body, TEST_WHSEC))

    assert 413 == response.status
    assert [] == hooks.rows("fct_bridge_events")


async def test_a_test_event_on_a_live_store_is_kept_and_acknowledged_but_not_applied(hooks: Hooks) -> None:
    """Store in live mode: a test event is recorded as ignored, answered 200, and never reaches the worker."""
    hooks.site.sql(f"INSERT INTO {hooks.site.table('options')} (option_name, option_value) VALUES "
                   "('fluent_cart_store_settings', 'a:1:{s:10:\"order_mode\";s:4:\"live\";}')")

    response = await hooks.deliver(event("account.application.deauthorized", {"id": "ca_1"}))

    assert (200, "ignored") == (response.status, (await response.json())["outcome"])
    assert [("ignored",)] == hooks.rows("fct_bridge_events", "status")
    assert 0 == await hooks.drain()


async def test_an_unknown_event_type_is_recorded_and_acknowledged(hooks: Hooks) -> None:
    """Types without a handler are stored, answered 200, and marked ignored by the worker."""
    await hooks.deliver(event("payout.paid", {"id": "po_1"}))

    assert 1 == await hooks.drain()
    assert [("ignored", "no handler for this event type")] == hooks.rows("fct_bridge_events", "status, note")


async def test_a_deauthorization_marks_the_mode_reconnect_needed(hooks: Hooks) -> None:
    """account.application.deauthorized in test mode sets the test mode's reconnect flag, once."""
    evt = event("account.application.deauthorized", {"id": "ca_standin_test", "object": "application"})
    await hooks.deliver(evt)
    await hooks.deliver(evt)

    assert 1 == await hooks.drain()
    assert [("reconnect_needed:test", evt["id"])] == hooks.rows("fct_bridge_flags", "name, value")
    assert [("applied", 1)] == hooks.rows("fct_bridge_events", "status, attempts")


async def test_another_applications_deauthorization_changes_nothing(hooks: Hooks) -> None:
    """account.application.deauthorized for another platform's client id is kept as ignored, and no mode is
    marked reconnect needed."""
    evt = event("account.application.deauthorized", {"id": "ca_someOtherPlatform0001", "object": "application"})
    await hooks.deliver(evt)

    assert 1 == await hooks.drain()
    assert [] == hooks.rows("fct_bridge_flags", "name", "LEFT(name, 9) = 'reconnect'")
    assert [("ignored",)] == hooks.rows("fct_bridge_events", "status")


async def test_with_the_database_down_the_endpoint_answers_503(hooks: Hooks) -> None:
    """Nothing can be stored, so nothing is acknowledged: Stripe retries later."""
    hooks.site.sql(f"RENAME TABLE {hooks.site.table('fct_bridge_events')} TO {hooks.site.table('fct_bridge_gone')}")
    try:
        response = await hooks.deliver(event("charge.succeeded", {"id": "ch_6"}))
    finally:
        hooks.site.sql(f"RENAME TABLE {hooks.site.table('fct_bridge_gone')} TO {hooks.site.table('fct_bridge_events')}")

    assert 503 == response.status


def _sign(body: bytes, secret: str, ts: int | None = None) -> str:
    from tests.support import stripe_signature

    return stripe_signature(body, secret, ts=ts)


_ = LIVE_WHSEC


async def test_a_secret_saved_a_moment_ago_is_used_despite_the_cached_settings(hooks: Hooks) -> None:
    """The intake caches settings briefly, but a signature that fails against the cache is checked against
    fresh settings: a newly stored signing secret works on the very next delivery."""
    from bridge.crypto import encrypt_key
    from bridge.keys import database_key, site_key
    from bridge.settings import store as settings_store

    await hooks.deliver(event("payout.paid", {"id": "po_c1"}))  # warms the cache
    site, db = hooks.app[site_key], hooks.app[database_key]
    # A stored secret beside the constant: both are accepted during a roll.
    blob = encrypt_key("whsec_rolledSecretJustNow0001", site.key_material())
    await settings_store.update(db, site, lambda stored, _: {**stored, "live_webhook_secret": blob})

    fresh = await hooks.deliver(event("payout.paid", {"id": "po_c2"}, livemode=True),
                                secret="whsec_rolledSecretJustNow0001")

    assert 200 == fresh.status


async def test_concurrent_deliveries_are_each_acknowledged_only_once_stored(hooks: Hooks) -> None:
    """Forty deliveries at once (two of them the same event) share commits, yet each answer matches its row."""
    events = [event("payout.paid", {"id": f"po_b{i}"}) for i in range(39)]
    deliveries = [*events, events[0]]

    answers = await asyncio.gather(*(hooks.deliver(e) for e in deliveries))
    outcomes = [(await a.json())["outcome"] for a in answers]

    assert [200] * 40 == [a.status for a in answers]
    assert (39, 1) == (outcomes.count("accepted"), outcomes.count("duplicate"))
    assert 39 == len(hooks.rows("fct_bridge_events"))
    assert sorted(outcomes) == sorted(v for (v,) in hooks.rows("fct_bridge_deliveries", "verdict"))



async def test_deliveries_queued_together_share_one_commit(hooks: Hooks) -> None:
    """Ten events handed to the inbox writer at once are stored by a single commit, each told if it was new."""
    from bridge.keys import inbox_writer_key
    from bridge.storage.webhook_store import PENDING
    from bridge.webhooks.intake import VerifiedEvent

    writer = hooks.app[inbox_writer_key]
    events = [VerifiedEvent(f"evt_batch_{i}", "payout.paid", "test", 1, f'{{"n": {i}}}', {}) for i in range(10)]

    results = await asyncio.gather(*(writer.store(e, PENDING, None) for e in [*events, events[3]]))

    metrics = (await (await hooks.client.get("/metrics")).text()).splitlines()
    commits = next(line for line in metrics if line.startswith("fct_bridge_intake_batch_size_count"))
    assert [True] * 10 + [False] == results
    assert 1.0 == float(commits.split()[-1])
    assert 10 == len(hooks.rows("fct_bridge_events"))


async def test_a_batch_racing_another_sidecar_for_an_id_is_redone_one_by_one(hooks: Hooks) -> None:
    """When another sidecar commits one of a batch's ids after the batch read the inbox, that delivery is a
    duplicate and the batch's other events are still stored, each with its own delivery row."""
    from bridge.keys import inbox_writer_key
    from bridge.storage.webhook_store import PENDING
    from bridge.webhooks.intake import VerifiedEvent

    writer = hooks.app[inbox_writer_key]
    events = [VerifiedEvent(f"evt_race_{i}", "payout.paid", "test", 1, f'{{"n": {i}}}', {}) for i in range(3)]
    other = hooks.site.server.connect(hooks.site.database)
    other.autocommit(False)
    with other.cursor() as cur:  # the other sidecar's transaction holds evt_race_1, not yet committed
        cur.execute(f"INSERT INTO {hooks.site.table('fct_bridge_events')} (event_id, type, mode, created, payload, "
                    "status, next_attempt_at, received_at) VALUES ('evt_race_1', 'payout.paid', 'test', 1, '{}', "
                    "'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))")
    stored = asyncio.gather(*(writer.store(e, PENDING, None) for e in events))
    await asyncio.sleep(0.5)  # the batch's INSERT now waits for the other transaction's key lock
    await asyncio.to_thread(other.commit)
    results = await stored
    other.close()

    assert [True, False, True] == results
    assert ["evt_race_0", "evt_race_1", "evt_race_2"] == [r[0] for r in hooks.rows("fct_bridge_events", "event_id")]
    assert [("evt_race_0", "accepted"), ("evt_race_1", "duplicate"), ("evt_race_2", "accepted")] == sorted(
        hooks.rows("fct_bridge_deliveries", "event_id, verdict"))


async def test_deliveries_that_find_the_settings_cache_expired_together_share_one_read(hooks: Hooks) -> None:
    """Twenty deliveries arriving as the cached signing secrets expire read the settings once, not once each."""
    from bridge.keys import database_key, site_key
    from bridge.webhooks.intake_state import IntakeStateCache

    cache = IntakeStateCache(ttl_s=60)
    db, site = hooks.app[database_key], hooks.app[site_key]
    fresh, _ = await cache.get(db, site)
    cache._state = dataclasses.replace(fresh, read_at=time.monotonic() - 120)  # as if read two minutes ago

    states = await asyncio.gather(*(cache.get(db, site) for _ in range(20)))

    assert 1 == len({id(state) for state, _ in states})
    assert [False] * 20 == [cached for _, cached in states]


async def test_stored_deliveries_write_no_info_log_lines(hooks: Hooks, caplog: pytest.LogCaptureFixture) -> None:
    """Each stored delivery has its row in the delivery log and its metrics; at INFO it writes no log line (the
    access log's included), so logging costs nothing per delivery at high rates."""
    import logging

    with caplog.at_level(logging.INFO, logger="bridge"):
        answers = [await hooks.deliver(event("payout.paid", {"id": f"po_{i}", "object": "payout"}))
                   for i in range(5)]

    assert [200] * 5 == [a.status for a in answers]
    assert [] == [r.getMessage() for r in caplog.records if r.name.startswith("bridge") and r.levelno >= logging.INFO]
    assert 5 == len(hooks.rows("fct_bridge_deliveries"))
