"""schemathesis against the sidecar's own `/openapi.json`: a live sidecar on 127.0.0.1 over a real MariaDB site
and the offline Stripe stand-in, every generated request signed exactly as the plugin signs it (a fresh
timestamp and nonce each time, tests/fuzz/live.py `PluginSigner`).

Checks: no 5xx, every status code documented, JSON where JSON is documented, bodies that match the documented
schemas, and (negative mode) schema-violating input refused with a 4xx that says why. Bounded: a few dozen
examples per operation, the whole file in well under a minute."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
import requests
import schemathesis
import schemathesis.generation.hypothesis.builder  # patches Hypothesis when imported; restored below
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bridge.admin.openapi import openapi_document
from bridge.admin.subapp import create_admin_app
from tests.conftest import SiteFactory
from tests.fuzz import hypothesis_guard
from tests.fuzz.live import LiveSidecar, PluginSigner, reserve_port, url_of
from tests.security.session_scan import REGISTRY

# Importing schemathesis's generation code patches Hypothesis for the whole session: undo it at once.
hypothesis_guard.restore()

SECRET = "schema-fuzz-shared-secret-0123456789abcdef"
SITE_URL = "http://127.0.0.1:8080"
POSITIVE_EXAMPLES = 25
NEGATIVE_EXAMPLES = 15
SIGNATURE_HEADERS = {"X-FCT-Timestamp", "X-FCT-Nonce", "X-FCT-User", "X-FCT-Site-Url", "X-FCT-Signature"}
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_headers_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]


def _without_signature_headers(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with the signature headers taken out of every operation: in negative mode schemathesis
    would otherwise "break" a header the signer then rewrites, and expect a refusal for a valid request."""
    doc = copy.deepcopy(doc)
    for operations in doc["paths"].values():
        for operation in operations.values():
            operation["parameters"] = [p for p in operation.get("parameters", [])
                                       if not (p["in"] == "header" and p["name"] in SIGNATURE_HEADERS)]
    return doc


DOCUMENT = openapi_document()
POSITIVE = schemathesis.openapi.from_dict(DOCUMENT)
NEGATIVE = schemathesis.openapi.from_dict(_without_signature_headers(DOCUMENT))
LABELS = [f"{method.upper()} {path}" for path, operations in DOCUMENT["paths"].items() for method in operations]


@pytest.fixture
def live(make_site: SiteFactory) -> Iterator[LiveSidecar]:
    sidecar_sock, standin_sock = reserve_port(), reserve_port()
    # The public URL is the sidecar itself, so "Send a test event" reaches 127.0.0.1 and nothing else;
    # WP_HOME fixes where notices would go (none are sent: the live sidecar runs no workers).
    site = make_site(defines={"FCT_BRIDGE_SECRET": SECRET, "FCT_BRIDGE_PUBLIC_URL": url_of(sidecar_sock),
                              "WP_HOME": SITE_URL})
    server = LiveSidecar(str(site.wp_config), sidecar_sock, standin_sock).start()
    try:
        yield server
    finally:
        server.stop()


def _with_test_keys(live: LiveSidecar, http: requests.Session) -> None:
    """Working test-mode keys, so the webhook operations reach Stripe (the stand-in) and not only a 409."""
    account = live.standin.create_account()
    keys = live.standin.account_keys[(account.id, False)]
    body = {"changes": {"test_secret_key": keys.secret, "test_publishable_key": keys.publishable}}
    answer = http.put(live.url + "/admin/v1/stripe/settings", data=json.dumps(body),
                      headers={"Content-Type": "application/json"}, auth=PluginSigner(SECRET), timeout=30)
    assert 200 == answer.status_code, answer.text


def _run(live: LiveSidecar, case: Case[Any], http: requests.Session, signer: PluginSigner, checks: list[Any]) -> None:
    response = case.call(base_url=live.url + "/admin/v1", session=http, auth=signer)
    REGISTRY.scan(f"sidecar answer to {case.operation.label} ({response.status_code})", response.text)
    # Our signature is right by construction: a 401 would mean the sidecar and the protocol disagree.
    assert 401 != response.status_code, f"a correctly signed request was refused: {response.text}"
    if case.path_parameters and case.path_parameters.get("mode") not in ("test", "live"):
        # A mode outside the enum addresses no operation at all: the route table answers 404 (as JSON).
        assert 404 == response.status_code, response.text
        checks = [check for check in checks if check is not status_code_conformance]
    case.validate_response(response, checks=checks)
    if response.status_code >= 400:
        body = response.json()
        assert body.get("error") and body.get("detail"), f"a refusal that does not say why: {response.text}"


def _has_inputs(label: str) -> bool:
    operation = NEGATIVE.find_operation_by_label(label)
    assert operation is not None
    return bool(operation.path_parameters or operation.query or operation.body)


@pytest.mark.parametrize("label", LABELS)
def test_signed_valid_requests_get_documented_answers(live: LiveSidecar, label: str) -> None:
    """Schema-valid requests (positive mode), signed: no 5xx, and every answer is documented and conforms."""
    operation = POSITIVE.find_operation_by_label(label)
    assert operation is not None
    with requests.Session() as http:
        _with_test_keys(live, http)
        signer = PluginSigner(SECRET, site_url=SITE_URL)

        @settings(max_examples=POSITIVE_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def run(case: Case[Any]) -> None:
            _run(live, case, http, signer, POSITIVE_CHECKS)

        run()
    assert signer.signed > 0


@pytest.mark.parametrize("label", [label for label in LABELS if _has_inputs(label)])
def test_signed_invalid_requests_are_refused_with_a_documented_4xx(live: LiveSidecar, label: str) -> None:
    """Schema-violating bodies, queries and paths (negative mode), signed: never a 5xx, never accepted, and
    every refusal a documented 4xx with an error code and a detail (an unknown mode in the path: 404)."""
    operation = NEGATIVE.find_operation_by_label(label)
    assert operation is not None
    with requests.Session() as http:
        signer = PluginSigner(SECRET, site_url=SITE_URL)

        @settings(max_examples=NEGATIVE_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def run(case: Case[Any]) -> None:
            _run(live, case, http, signer, NEGATIVE_CHECKS)

        run()


def _allowed_by_the_document(path: str, method: str, query: dict[str, str], body: Any) -> bool:
    """Whether /openapi.json allows these query values and this body (query values typed as documented)."""
    operation = DOCUMENT["paths"][path][method]
    for param in operation.get("parameters", []):
        if param["in"] != "query" or param["name"] not in query:
            continue
        raw: Any = query[param["name"]]
        if param["schema"].get("type") == "integer":
            try:
                raw = int(raw)
            except ValueError:
                return False
        if not jsonschema_rs.validator_for(param["schema"]).is_valid(raw):
            return False
    if body is not None:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        return bool(jsonschema_rs.validator_for(schema).is_valid(body))
    return True


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("post", "/stripe/webhooks/replay", {}, {"event_ids": ["evt_caf\u00e9"]}),
        ("post", "/stripe/webhooks/replay", {}, {"all_dead": True, "unknown": 1}),
        ("put", "/stripe/settings", {}, {"changes": {"checkout_mode": "hosted"}, "unknown": 1}),
        ("get", "/stripe/webhooks/events", {"limit": "0"}, None),
        ("get", "/stripe/webhooks/events", {"limit": "201"}, None),
        ("get", "/stripe/webhooks/events", {"status": ""}, None),
        ("get", "/stripe/webhooks/events", {"mode": ""}, None),
        ("get", "/stripe/webhooks/events", {"mode": "both"}, None),
    ],
    ids=["replay-non-ascii-event-id", "replay-unknown-property", "settings-unknown-property", "events-limit-0",
         "events-limit-201", "events-empty-status", "events-empty-mode", "events-unknown-mode"],
)
def test_what_the_document_forbids_the_api_refuses(live: LiveSidecar, method: str, path: str,
                                                   query: dict[str, str], body: Any) -> None:
    """Found by the fuzzing above, pinned here: each input is either allowed by /openapi.json or refused with a
    4xx that says why. Never a 5xx, never a silent acceptance of what the document forbids."""
    raw = b"" if body is None else json.dumps(body).encode()
    with requests.Session() as http:
        response = http.request(method.upper(), f"{live.url}/admin/v1{path}", params=query, data=raw or None,
                                headers={"Content-Type": "application/json"}, auth=PluginSigner(SECRET), timeout=30)

    assert response.status_code < 500, f"{response.status_code}: {response.text}"
    if not _allowed_by_the_document(path, method, query, body):
        assert 400 <= response.status_code < 500, (
            f"/openapi.json forbids this input but the API answered {response.status_code}: {response.text}")
        assert response.json()["detail"]


def test_every_admin_route_is_in_the_openapi_document() -> None:
    """Each route the admin API serves is described in /openapi.json with the same methods (HEAD aside, which
    aiohttp adds to every GET), so the plugin's contract and this fuzzing cover it."""
    served = set()
    for route in create_admin_app().router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        info = route.resource.get_info()
        path = str(info.get("path") or info.get("formatter", ""))
        served.add((route.method.lower(), path.replace("{mode:test|live}", "{mode}")))
    documented = {(method, path) for path, operations in DOCUMENT["paths"].items() for method in operations}

    assert [] == sorted(served - documented), "served by the admin API but missing from /openapi.json"
