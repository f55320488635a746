"""The pure parts of applying through FluentCart: which path a site takes, the settings that force it, the
batch the sidecar sends and how it reads WordPress's answer (the path itself runs in tests/e2e)."""

from __future__ import annotations

import json

import pytest

from bridge.config import load_service_config
from bridge.errors import UsageError
from bridge.fluentcart import presence
from bridge.webhooks import effects
from bridge.webhooks.context import APPLIED
from bridge.wordpress import php_serialize


def test_fluentcart_is_active_when_wordpress_lists_its_main_file_among_active_plugins() -> None:
    """active_plugins as WordPress stores it: FluentCart's main file listed means active, nothing else does."""
    listed = php_serialize.loads(php_serialize.dumps(["fct-bridge/fct-bridge.php", "fluent-cart/fluent-cart.php"]))
    others = php_serialize.loads(php_serialize.dumps(["fct-bridge/fct-bridge.php", "fluent-cart-pro/fluent-cart.php"]))
    assert (presence.active_in(listed), presence.active_in(others)) == (True, False)
    assert (presence.active_in("fluent-cart/fluent-cart.php"), presence.active_in(None)) == (False, False)


@pytest.mark.parametrize(("value", "path"), [("", None), ("auto", None), ("sql", "sql"), ("fluentcart", "fluentcart")])
def test_fct_bridge_apply_forces_a_path_or_leaves_it_to_the_site(value: str, path: str | None) -> None:
    """auto (or unset) reads the site; sql and fluentcart force that path."""
    assert presence.forced_path({"FCT_BRIDGE_APPLY": value}) == path


@pytest.mark.parametrize(("name", "value", "message"), [
    ("FCT_BRIDGE_APPLY", "php", "FCT_BRIDGE_APPLY must be auto, sql or fluentcart, not 'php'"),
    ("FCT_BRIDGE_WORDPRESS_URL", "ftp://shop.example", "FCT_BRIDGE_WORDPRESS_URL must be an http(s) URL"),
])
def test_a_bad_apply_setting_stops_the_sidecar_with_a_clear_message(name: str, value: str, message: str) -> None:
    """A mistyped FCT_BRIDGE_APPLY or FCT_BRIDGE_WORDPRESS_URL is refused at start, naming the setting."""
    with pytest.raises(UsageError) as refused:
        load_service_config({"FCT_BRIDGE_WP_CONFIG": "/x/wp-config.php", name: value})
    assert message in str(refused.value)


def test_the_wordpress_url_is_kept_without_its_trailing_slash() -> None:
    """FCT_BRIDGE_WORDPRESS_URL and FCT_BRIDGE_APPLY reach the service config."""
    config = load_service_config({"FCT_BRIDGE_WP_CONFIG": "/x/wp-config.php", "FCT_BRIDGE_APPLY": "fluentcart",
                                  "FCT_BRIDGE_WORDPRESS_URL": "http://wordpress:8080/"})
    assert (config.wordpress_url, config.apply_path) == ("http://wordpress:8080", "fluentcart")


def test_the_batch_names_each_event_and_its_effects_with_their_keys() -> None:
    """One JSON body for the batch: event id, type, mode and each effect's key, kind and arguments."""
    plan = effects.Plan(APPLIED, (effects.Effect("sync_order", "sync:7", {"transaction_id": 7}, 3),))
    body = json.loads(effects.batch_body([effects.Planned("evt_1", "charge.succeeded", "test", plan)]))
    assert body == {"batch": [{"event_id": "evt_1", "type": "charge.succeeded", "mode": "test",
                               "effects": [{"key": "sync:7", "kind": "sync_order", "args": {"transaction_id": 7}}]}]}
    assert plan.order_ids == {3}


def test_only_events_wordpress_answers_applied_count_as_applied() -> None:
    """applied → applied; failed → its error; an event the answer omits → failed, so it is retried."""
    answer = json.dumps({"results": {"evt_1": {"status": "applied", "effects": {"k": "already_done"}},
                                     "evt_2": {"status": "failed", "effects": {}, "error": "no order 9"}},
                         "stripe_calls_refused": 1}).encode()
    results, refused = effects.read_results(answer, ["evt_1", "evt_2", "evt_3"])
    assert refused == 1
    assert results["evt_1"] == effects.EventResult(True, None, {"k": "already_done"})
    assert results["evt_2"] == effects.EventResult(False, "no order 9", {})
    assert results["evt_3"] == effects.EventResult(False, "WordPress did not answer for this event")


@pytest.mark.parametrize("answer", [b"<html>oops</html>", b"[]", b'{"results": []}'])
def test_an_answer_that_is_not_a_result_is_refused_as_a_whole(answer: bytes) -> None:
    """HTML, a list or results that are not an object: BadAnswer (every event of the batch is retried)."""
    with pytest.raises(effects.BadAnswer):
        effects.read_results(answer, ["evt_1"])
