"""The code's layout keeps the boundaries the README's "Layout" section describes (read from the source, no I/O)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BRIDGE = ROOT / "bridge"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (BRIDGE / folder).rglob("*.py"))


def test_feature_packages_never_reach_into_the_admin_api() -> None:
    """webhooks/, connect/, settings/, storage/, fluentcart/ and wordpress/ import nothing from bridge.admin."""
    offenders = [str(p.relative_to(ROOT)) for p in _modules("webhooks", "connect", "settings", "storage", "fluentcart",
                                                            "wordpress")
                 if any(name == "bridge.admin" or name.startswith("bridge.admin.") for name in _imports(p))]
    assert [] == offenders


def test_webhook_handling_takes_nothing_from_the_connect_service() -> None:
    """webhooks/ imports nothing from bridge.connect.service: shared facts such as its flags live in storage/."""
    offenders = [str(p.relative_to(ROOT)) for p in _modules("webhooks")
                 if any(name.startswith("bridge.connect.service") for name in _imports(p))]
    assert [] == offenders


def test_only_storage_opens_database_connections() -> None:
    """Every service reaches MariaDB through the one Database handle: outside storage/ nothing takes a pool,
    a connection or a transaction from bridge.storage.pool (its connection parameters are fine)."""
    opening = {f"bridge.storage.pool.{name}" for name in ("create_pool", "open_pool", "transaction")}
    outside = [p for p in BRIDGE.rglob("*.py") if "storage" not in p.relative_to(BRIDGE).parts]
    offenders = [str(p.relative_to(ROOT)) for p in outside if _imports(p) & opening]
    assert [] == offenders


def test_the_wp_config_evaluator_is_not_a_chain_of_mixins() -> None:
    """No class in bridge/wordpress/wp_config/ derives from another class defined there, except its exceptions."""
    package = BRIDGE / "wordpress" / "wp_config"
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in package.glob("*.py")}
    local = {node.name for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    derived = sorted(
        f"{p.name}:{node.name}"
        for p, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and p.name != "control.py"
        and any(isinstance(base, ast.Name) and base.id in local for base in node.bases)
    )
    assert [] == derived


def test_the_plugin_signs_and_verifies_in_one_class() -> None:
    """Only wp_plugin_stub/includes/class-fct-bridge-protocol.php computes an HMAC or names a direction label."""
    plugin = ROOT / "wp_plugin_stub"
    needles = ("hash_hmac", "plugin-to-sidecar", "sidecar-to-wordpress")
    found = sorted(str(p.relative_to(plugin)) for p in plugin.rglob("*.php")
                   if any(n in p.read_text(encoding="utf-8") for n in needles))
    assert ["includes/class-fct-bridge-protocol.php"] == found
