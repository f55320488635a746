"""Keep schemathesis from changing Hypothesis for the whole test suite.

schemathesis (used here as a library, tests/fuzz/test_admin_api_schema.py) patches Hypothesis globally when its
generation code is imported, which its pytest plugin (an entry point, loaded into every pytest run) does at
start-up: the printer of failing examples is replaced by one that prints nothing (every property test of the
suite would report `Failing test case: test(data=,)`), and the choice buffer grows from 8 KiB to 32 KiB.
`restore()` puts Hypothesis's own back; schemathesis works without them (they only speed up its big schemas).
"""

from __future__ import annotations

from typing import Any

HYPOTHESIS_BUFFER_SIZE = 8 * 1024  # hypothesis.internal.conjecture.engine.BUFFER_SIZE, unchanged for years


def restore() -> None:
    from hypothesis import core as root_core
    from hypothesis.internal import reflection
    from hypothesis.internal.conjecture import engine
    from hypothesis.strategies._internal import collections
    from hypothesis.strategies._internal import core as strategies_core
    from hypothesis.vendor import pretty

    setattr(root_core, "RepresentationPrinter", pretty.RepresentationPrinter)  # noqa: B010
    setattr(strategies_core, "is_first_param_referenced_in_function",  # noqa: B010
            reflection.is_first_param_referenced_in_function)
    for module in (root_core, engine, collections):
        setattr(module, "BUFFER_SIZE", HYPOTHESIS_BUFFER_SIZE)  # noqa: B010


def unload_pytest_plugin(pluginmanager: Any) -> None:
    """This suite does not use schemathesis's pytest integration: its hooks stay out of every other test."""
    plugin = pluginmanager.get_plugin("schemathesis")
    if plugin is not None:
        pluginmanager.unregister(plugin)
    restore()
