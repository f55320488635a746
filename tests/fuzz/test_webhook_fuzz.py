"""POST /webhooks/stripe under fuzzing, over real HTTP to a live sidecar and a real MariaDB: arbitrary bodies and
headers, near-valid JSON, valid events with mutated fields, stale and future signatures, several v1 entries,
unicode, oversized headers, bodies split at random places and written slowly (Content-Length or chunked), deep
nesting. Never a 5xx; every refusal a 400/413 whose detail names the reason; a correctly signed valid event is
acknowledged (200) and stored exactly once, byte for byte. Bounded examples.

The same sidecar and database serve every example of a test: each example checks only what it changed
(its own event id, or that the inbox did not grow)."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import SiteFactory
from tests.fuzz.live import LiveSidecar, reserve_port
from tests.security.session_scan import REGISTRY
from tests.sites import TestSite
from tests.support import stripe_signature

TEST_WHSEC = "whsec_webhookFuzzTestSecret0123456789"
LIVE_WHSEC = "whsec_webhookFuzzLiveSecret0123456789"
FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Every reason POST /webhooks/stripe gives for a refusal (bridge/webhooks/intake.py, views.py).
SPECIFIC_REASONS = re.compile(
    r"^(missing Stripe-Signature header"
    r"|body is not UTF-8 JSON"
    r"|body is not a JSON object"
    r"|body is not a Stripe event: (no evt_ id|no type|created or livemode missing|created is out of range"
    r"|JSON nested too deeply)"
    r"|signature check failed: (Unable to extract timestamp and signatures from header"
    r"|No signatures found with expected scheme v1"
    r"|No signatures found matching the expected signature for payload"
    r"|Timestamp outside the tolerance zone \(-?\d+\)|malformed Stripe-Signature header)"
    r"|event says livemode=(true|false) but was signed with the (test|live) signing secret"
    r"|body over \d+ bytes)$"
)


class Endpoint:
    def __init__(self, live: LiveSidecar, site: TestSite) -> None:
        self.live, self.site = live, site
        self.http = requests.Session()

    def post(self, body: bytes, headers: dict[str, str | bytes]) -> requests.Response:
        response = self.http.post(self.live.url + "/webhooks/stripe", data=body, headers=headers, timeout=30)
        REGISTRY.scan(f"sidecar answer to a fuzzed webhook ({response.status_code})", response.text)
        return response

    def deliver(self, body: bytes, *, secret: str = TEST_WHSEC, ts: int | None = None) -> requests.Response:
        return self.post(body, {"Stripe-Signature": stripe_signature(body, secret, ts=ts),
                                "Content-Type": "application/json"})

    def stored(self, event_id: str) -> list[tuple[object, ...]]:
        return self.site.sql(f"SELECT payload, mode, status FROM {self.site.table('fct_bridge_events')} "
                             "WHERE event_id = %s", (event_id,))

    def count(self) -> int:
        [(n,)] = self.site.sql(f"SELECT COUNT(*) FROM {self.site.table('fct_bridge_events')}")
        return int(str(n))


@pytest.fixture
def endpoint(make_site: SiteFactory) -> Iterator[Endpoint]:
    sidecar_sock, standin_sock = reserve_port(), reserve_port()
    site = make_site(defines={"FCT_BRIDGE_SECRET": "webhook-fuzz-shared-secret-0123456789",
                              "FCT_STRIPE_TEST_WEBHOOK_SECRET": TEST_WHSEC,
                              "FCT_STRIPE_LIVE_WEBHOOK_SECRET": LIVE_WHSEC})
    live = LiveSidecar(str(site.wp_config), sidecar_sock, standin_sock).start()
    target = Endpoint(live, site)
    try:
        yield target
    finally:
        target.http.close()
        live.stop()


def assert_specific_refusal(response: requests.Response) -> None:
    """A 400 or 413 whose JSON names the reason, or the HTTP layer's own 400 for a request it cannot parse."""
    assert response.status_code in (400, 413), f"{response.status_code}: {response.text[:500]}"
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        # aiohttp refuses unparsable requests (e.g. a header over 8 KiB) before any handler runs, in plain text.
        assert 400 == response.status_code and response.text.strip(), response.text[:500]
        return
    answer = response.json()
    assert "rejected" == answer["error"]
    assert SPECIFIC_REASONS.match(answer["detail"]), f"not a specific reason: {answer['detail']!r}"


def new_id() -> str:
    return f"evt_fuzz_{secrets.token_hex(8)}"


def valid_event(event_id: str, *, livemode: bool = False, created: int | None = None,
                obj: dict[str, Any] | None = None, type_: str = "charge.succeeded") -> dict[str, Any]:
    return {"id": event_id, "object": "event", "api_version": "2026-10-28.endive",
            "created": int(time.time()) if created is None else created, "livemode": livemode,
            "data": {"object": obj or {"id": "ch_fuzz", "object": "charge"}}, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "type": type_}


def _sendable(value: bytes) -> bytes:
    """What a client can put in a header value: anything but CR, LF and NUL, without leading blanks."""
    return value.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b"").lstrip(b" \t\x0b\x0c")


stripe_shaped = st.builds(lambda t, v: f"t={t},v1={v}".encode(), st.integers(-(10**12), 10**12), st.text(max_size=80))
raw_header = (st.binary(max_size=300) | st.text(max_size=300).map(str.encode) | stripe_shaped).map(_sendable)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(json_scalars,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=8)


@FUZZ
@given(body=st.binary(max_size=2000), header=st.none() | raw_header)
@example(body=b"{}", header="t=1,v1=\u00e9".encode())  # non-ASCII signature: TypeError in the SDK's compare
@example(body=b"{}", header=b"t=1,v1=\xff")  # not even UTF-8
def test_arbitrary_bodies_and_headers_are_refused_specifically(endpoint: Endpoint, body: bytes,
                                                                header: bytes | None) -> None:
    """Random bytes under random Stripe-Signature values: a specific refusal, and the inbox does not grow."""
    before = endpoint.count()
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header

    response = endpoint.post(body, headers)

    assert_specific_refusal(response)
    assert before == endpoint.count()


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one or more fields removed, retyped or replaced by arbitrary JSON."""
    event = valid_event(new_id(), livemode=False)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(["id", "type", "created", "livemode", "data", "object", "extra"]))
        action = draw(st.sampled_from(["drop", "replace", "unicode"]))
        if action == "drop":
            event.pop(key, None)
        elif action == "replace":
            event[key] = draw(json_values)
        elif key in ("id", "type"):
            event[key] = str(event.get(key, "evt_")) + draw(st.text(min_size=1, max_size=10))
        else:
            event[key] = draw(st.text(max_size=10))
    return event


@FUZZ
@given(event=mutated_events(), pretty=st.booleans(), ascii_only=st.booleans())
@example(event=valid_event("evt_caf\u00e9"), pretty=False, ascii_only=False)  # event ids are ASCII columns
@example(event=valid_event(new_id(), type_="charge.succeeded\u00e9"), pretty=False, ascii_only=False)
@example(event=valid_event(new_id(), created=2**63), pretty=False, ascii_only=False)  # BIGINT overflow
def test_correctly_signed_mutated_events_are_stored_or_refused_specifically(
        endpoint: Endpoint, event: dict[str, Any], pretty: bool, ascii_only: bool) -> None:
    """Signed with the right secret, a mutated event is either a Stripe event (200, stored once, byte for byte)
    or refused with the reason; never a 5xx."""
    body = json.dumps(event, indent=2 if pretty else None, ensure_ascii=ascii_only).encode()
    before = endpoint.count()

    response = endpoint.deliver(body)

    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    if response.status_code == 200:
        answer = response.json()
        assert answer["received"] == event["id"]
        stored = endpoint.stored(event["id"])
        assert 1 == len(stored) and body.decode() == stored[0][0]
        assert before + (answer["outcome"] != "duplicate") == endpoint.count()
    else:
        assert_specific_refusal(response)
        assert before == endpoint.count()


ascii_ids = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=40)


@FUZZ
@given(suffix=ascii_ids, livemode=st.booleans(), age_s=st.integers(0, 240),
       obj=st.dictionaries(st.text(max_size=10), json_values, max_size=4),
       type_=st.sampled_from(["charge.succeeded", "invoice.paid", "payout.paid", "customer.subscription.updated"]))
def test_correctly_signed_valid_events_are_acknowledged_and_stored_once(
        endpoint: Endpoint, suffix: str, livemode: bool, age_s: int, obj: dict[str, Any], type_: str) -> None:
    """Any valid event, signed with its mode's secret up to 4 minutes ago: 200 "accepted" and one row in its mode;
    delivered again: 200 "duplicate", still one row."""
    event = valid_event(f"evt_{suffix}_{secrets.token_hex(4)}", livemode=livemode, obj=obj, type_=type_)
    body = json.dumps(event, ensure_ascii=False).encode()
    secret = LIVE_WHSEC if livemode else TEST_WHSEC
    ts = int(time.time()) - age_s

    first = endpoint.deliver(body, secret=secret, ts=ts)
    again = endpoint.deliver(body, secret=secret, ts=ts)

    assert (200, "accepted") == (first.status_code, first.json()["outcome"]), first.text
    assert (200, "duplicate") == (again.status_code, again.json()["outcome"]), again.text
    assert [(body.decode(), "live" if livemode else "test", "pending")] == endpoint.stored(event["id"])


@FUZZ
@given(age_s=st.integers(301, 10**9) | st.integers(-(10**9), -301), livemode=st.booleans())
def test_a_signature_more_than_five_minutes_off_is_refused_and_not_stored(endpoint: Endpoint, age_s: int,
                                                                          livemode: bool) -> None:
    """A replay more than 300 s after signing, or a signature dated more than 300 s ahead (right secret,
    right body): 400 saying so, nothing stored."""
    event = valid_event(new_id(), livemode=livemode)
    body = json.dumps(event).encode()

    response = endpoint.deliver(body, secret=LIVE_WHSEC if livemode else TEST_WHSEC, ts=int(time.time()) - age_s)

    assert 400 == response.status_code
    assert response.json()["detail"].startswith("signature check failed: Timestamp outside the tolerance zone")
    assert [] == endpoint.stored(event["id"])


@FUZZ
@given(flip=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_a_body_changed_after_signing_is_refused_and_not_stored(endpoint: Endpoint, flip: int, bit: int) -> None:
    """Any single bit changed after signing: refused with a specific reason, and the event is not stored."""
    event = valid_event(new_id())
    body = json.dumps(event).encode()
    header = stripe_signature(body, TEST_WHSEC)
    changed = bytearray(body)
    changed[flip % len(body)] ^= 1 << bit

    response = endpoint.post(bytes(changed), {"Stripe-Signature": header, "Content-Type": "application/json"})

    assert_specific_refusal(response)
    assert [] == endpoint.stored(event["id"])


@FUZZ
@given(decoys=st.lists(st.text("0123456789abcdef", min_size=64, max_size=64)
                      | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20), max_size=4),
       position=st.integers(0, 4))
def test_several_v1_entries_verify_when_one_matches(endpoint: Endpoint, decoys: list[str], position: int) -> None:
    """During a secret roll Stripe signs with several secrets: one matching v1 among decoys (and a v0) verifies."""
    event = valid_event(new_id())
    body = json.dumps(event).encode()
    t_entry, v1_entry = stripe_signature(body, TEST_WHSEC).split(",")
    entries = [f"v1={d}" for d in decoys if "," not in d]
    entries.insert(min(position, len(entries)), v1_entry)
    header = ",".join([t_entry, "v0=" + "0" * 64, *entries])

    response = endpoint.post(body, {"Stripe-Signature": header, "Content-Type": "application/json"})

    assert 200 == response.status_code, response.text
    assert 1 == len(endpoint.stored(event["id"]))


@pytest.mark.parametrize("size", [9_000, 100_000])
def test_a_huge_signature_header_is_refused_by_the_http_layer(endpoint: Endpoint, size: int) -> None:
    """A Stripe-Signature over aiohttp's 8 KiB field limit never reaches the handler: 400, nothing stored."""
    body = json.dumps(valid_event(new_id())).encode()
    header = stripe_signature(body, TEST_WHSEC) + ",v1=" + "a" * size
    before = endpoint.count()

    response = endpoint.post(body, {"Stripe-Signature": header, "Content-Type": "application/json"})

    assert_specific_refusal(response)
    assert before == endpoint.count()


def send_in_pieces(url: str, head: bytes, pieces: list[bytes], pause_s: float) -> tuple[int, bytes]:
    """One request over a raw socket, the body in separate writes ``pause_s`` apart; the status and body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head)
        for piece in pieces:
            time.sleep(pause_s)
            sock.sendall(piece)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    return int(status_line.split(b" ")[1]), rest.partition(b"\r\n\r\n")[2]


def cut(body: bytes, fractions: list[float]) -> list[bytes]:
    points = sorted({int(len(body) * f) for f in fractions} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(size=st.integers(200, 450 * 1024), fractions=st.lists(st.floats(0.01, 0.99), max_size=6),
       pause_s=st.sampled_from([0.0, 0.01, 0.05]), chunked=st.booleans())
def test_a_signed_event_split_anyhow_is_verified_whole(endpoint: Endpoint, size: int, fractions: list[float],
                                                        pause_s: float, chunked: bool) -> None:
    """A correctly signed event of any size under the limit, its body cut at random places and written apart
    (as Content-Length or as chunks): 200 and stored byte for byte, never a signature failure."""
    event = valid_event(new_id(), obj={"id": "ch_fuzz", "object": "charge", "description": ""})
    event["data"]["object"]["description"] = "x" * max(size - len(json.dumps(event)), 0)
    body = json.dumps(event).encode()
    pieces = cut(body, fractions)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (f"POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Stripe-Signature: {stripe_signature(body, TEST_WHSEC)}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n").encode()
    if chunked:
        pieces = [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]

    status, answer = send_in_pieces(endpoint.live.url, head, pieces, pause_s)

    assert 200 == status, answer[:300]
    assert [(body.decode(), "test", "pending")] == endpoint.stored(event["id"])


@FUZZ
@given(depth=st.integers(1, 20_000), opener=st.sampled_from(["[", '{"a":']))
def test_signed_events_nested_at_any_depth_are_stored_or_refused_as_too_deep(endpoint: Endpoint, depth: int,
                                                                            opener: str) -> None:
    """A correctly signed event with a value nested ``depth`` levels: stored (200), or refused as nested too
    deeply (400); never a 5xx."""
    event = valid_event(new_id())
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "1" + closer * depth
    body = json.dumps(event).encode()[:-1] + b', "deep": ' + nested.encode() + b"}"

    response = endpoint.deliver(body)

    if response.status_code == 200:
        assert [(body.decode(), "test", "pending")] == endpoint.stored(event["id"])
    else:
        assert (400, "too_deep") == (response.status_code, response.json()["code"]), response.text[:300]
        assert [] == endpoint.stored(event["id"])
