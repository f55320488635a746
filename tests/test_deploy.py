"""The container deployment (Dockerfile, docker-compose.yml), checked without a Docker engine.

No engine runs on these machines, so nothing here starts a container. What is checked instead: the
compose file as data (and through a compose client's ``config`` where one is installed), the
Dockerfile's instructions, the sidecar wheel built the way the Dockerfile builds it and served from
a fresh virtualenv (answering the image's own HEALTHCHECK command), and the official WordPress
image's wp-config.php evaluated with the environment the compose file gives each container.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bridge.wordpress.wp_config import load_wp_config, parse_db_host
from tests.sites import DbServer
from tests.test_serve import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
OFFICIAL_WP_CONFIG = ROOT / "tests" / "fixtures" / "wp_config" / "official-docker-image.php"
WP_ROOT = "/var/www/html"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - inside the sidecar's container, which publishes no port
# What an operator exports before `docker compose up`; never committed anywhere.
OPERATOR_ENV = {"DB_PASSWORD": "operator-db-password",
                "FCT_BRIDGE_SECRET": "operator-bridge-secret-of-at-least-32-chars"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|SALT|TOKEN|PLATFORM_KEY")
SECRET_LOOKING_VALUE = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+|whsec_[A-Za-z0-9]+")


# --------------------------------------------------------------------------- reading the compose file

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's variable substitution: ``$$``, ``${X}``, ``${X:-default}``, ``${X-default}``,
    ``${X:?error}``, ``${X?error}`` (checked against a real compose client below, where one is installed)."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(5)
        colon, kind, argument = match.group(2), match.group(3), match.group(4)
        current = env.get(name)
        missing = current is None or (colon == ":" and current == "")
        if kind == "?" and missing:
            raise KeyError(f"{name}: {argument}")
        if kind == "-" and missing:
            return argument
        return current or ""

    return _VARIABLE.sub(substitute, value)


def raw_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # PyYAML resolves the << merge keys
    assert isinstance(data, dict)
    return data


def compose(env: Mapping[str, str] = OPERATOR_ENV) -> dict[str, Any]:
    data = interpolate(raw_compose(), env)
    assert isinstance(data, dict)
    return data


def services(env: Mapping[str, str] = OPERATOR_ENV) -> dict[str, dict[str, Any]]:
    found = compose(env)["services"]
    assert isinstance(found, dict)
    return found


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def volume_mounts(service: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(source, target, mode) of each short-syntax volume."""
    mounts = []
    for entry in service.get("volumes") or []:
        assert isinstance(entry, str), "use the short volume syntax (source:target[:mode])"
        parts = entry.split(":")
        mounts.append((parts[0], parts[1], parts[2] if len(parts) > 2 else "rw"))
    return mounts


def sidecar_env_for_this_machine(db_server: DbServer, database: str, wp_config: Path, port: int) -> dict[str, str]:
    """The compose file's sidecar environment, pointed at this machine's MariaDB and a local port."""
    env = environment(services()["sidecar"])
    env.update(
        WORDPRESS_DB_HOST=f"{db_server.host}:{db_server.port}",
        WORDPRESS_DB_USER=db_server.user,
        WORDPRESS_DB_PASSWORD=db_server.password,
        WORDPRESS_DB_NAME=database,
        FCT_BRIDGE_WP_CONFIG=str(wp_config),
        FCT_BRIDGE_HOST="127.0.0.1",
        FCT_BRIDGE_PORT=str(port),
    )
    return env


# --------------------------------------------------------------------------- the compose file


def test_services() -> None:
    assert {"db", "wordpress", "sidecar"} == set(services())


def test_wordpress_is_the_official_image_on_php_8_2_or_later() -> None:
    image = services()["wordpress"]["image"]
    match = re.fullmatch(r"wordpress:(\d+\.\d+(?:\.\d+)?)-php(\d+)\.(\d+)-(apache|fpm)", image)
    assert match is not None, f"pin WordPress and PHP, e.g. wordpress:7.1-php8.2-apache, not {image!r}"
    assert (int(match.group(2)), int(match.group(3))) >= (8, 2)


def test_mariadb_supports_skip_locked() -> None:
    """The webhook inbox claims events with SELECT … FOR UPDATE SKIP LOCKED: MariaDB 10.6 or later."""
    match = re.fullmatch(r"mariadb:(\d+)\.(\d+)(?:\.\d+)?", services()["db"]["image"])
    assert match is not None
    assert (int(match.group(1)), int(match.group(2))) >= (10, 6)


def test_only_the_wordpress_port_is_published() -> None:
    published = {name: service.get("ports") for name, service in services().items() if service.get("ports")}
    assert ["wordpress"] == list(published)
    (mapping,) = published["wordpress"]
    assert str(mapping).endswith(":80")
    for name, service in services().items():
        assert service.get("network_mode") != "host", name


def test_the_sidecar_listens_inside_its_container_only() -> None:
    """0.0.0.0 inside the container so WordPress reaches http://sidecar:8787; nothing on the host."""
    sidecar = services()["sidecar"]
    env = environment(sidecar)
    assert (ALL_INTERFACES, "8787", None) == (env["FCT_BRIDGE_HOST"], env["FCT_BRIDGE_PORT"], sidecar.get("ports"))


def test_the_plugin_is_mounted_read_only_and_loaded_as_a_must_use_plugin() -> None:
    mounts = {target: (source, mode) for source, target, mode in volume_mounts(services()["wordpress"])}
    plugin_source, plugin_mode = mounts[f"{WP_ROOT}/wp-content/plugins/fct-bridge"]
    loader_source, loader_mode = mounts[f"{WP_ROOT}/wp-content/mu-plugins/fct-bridge-loader.php"]
    assert ("ro", "ro") == (plugin_mode, loader_mode)
    assert (ROOT / plugin_source / "fct-bridge.php").is_file()
    loader = (ROOT / loader_source).read_text(encoding="utf-8")
    assert "require_once WP_PLUGIN_DIR . '/fct-bridge/fct-bridge.php';" in loader


@pytest.mark.php
def test_the_must_use_loader_is_valid_php() -> None:
    from tests.php import php_binary

    loader = ROOT / "deploy" / "mu-plugins" / "fct-bridge-loader.php"
    result = subprocess.run([php_binary(), "-l", str(loader)], capture_output=True, text=True, check=False)
    assert 0 == result.returncode, result.stdout + result.stderr


def test_the_sidecar_reads_the_same_wp_config_read_only() -> None:
    found = services()
    wordpress = {target: (source, mode) for source, target, mode in volume_mounts(found["wordpress"])}
    sidecar = {target: (source, mode) for source, target, mode in volume_mounts(found["sidecar"])}
    volume, _ = wordpress[WP_ROOT]
    assert volume in compose()["volumes"], "a named volume shared by both containers"
    assert (volume, "ro") == sidecar[WP_ROOT]
    assert f"{WP_ROOT}/wp-config.php" == environment(found["sidecar"])["FCT_BRIDGE_WP_CONFIG"]


def test_healthchecks() -> None:
    """MariaDB and WordPress declare theirs; the sidecar keeps the image's (/readyz)."""
    found = services()
    for name in ("db", "wordpress"):
        test = found[name]["healthcheck"]["test"]
        assert isinstance(test, list) and test[0] == "CMD", name
    assert not (found["sidecar"].get("healthcheck") or {}).get("disable")
    assert "/readyz" in " ".join(dockerfile_stages()[-1]["HEALTHCHECK"])


def test_start_order() -> None:
    """The sidecar waits for MariaDB and for WordPress to have written wp-config.php."""
    found = services()
    assert {"condition": "service_healthy"} == found["wordpress"]["depends_on"]["db"]
    assert {"db": {"condition": "service_healthy"}, "wordpress": {"condition": "service_healthy"}} == found["sidecar"][
        "depends_on"
    ]
    wordpress_check = " ".join(found["wordpress"]["healthcheck"]["test"])
    assert f"{WP_ROOT}/wp-config.php" in wordpress_check


def test_bridge_constants_come_from_config_extra() -> None:
    """FCT_BRIDGE_URL and FCT_BRIDGE_SECRET are defined by WORDPRESS_CONFIG_EXTRA, the secret read
    from the environment (getenv_docker: FCT_BRIDGE_SECRET or FCT_BRIDGE_SECRET_FILE)."""
    extra = environment(services()["wordpress"])["WORDPRESS_CONFIG_EXTRA"]
    expected = [
        "define( 'FCT_BRIDGE_URL', 'http://sidecar:8787' );",
        "define( 'FCT_BRIDGE_SECRET', getenv_docker( 'FCT_BRIDGE_SECRET', '' ) );",
    ]
    assert expected == extra.strip().splitlines()


def test_the_sidecar_gets_every_variable_wordpress_resolves() -> None:
    """wp-config.php's getenv_docker() calls are evaluated from the sidecar's own environment."""
    found = services()
    wordpress, sidecar = environment(found["wordpress"]), environment(found["sidecar"])
    assert {name: sidecar.get(name) for name in wordpress} == wordpress
    assert {"WORDPRESS_DB_PASSWORD", "WORDPRESS_CONFIG_EXTRA", "FCT_BRIDGE_SECRET"} <= set(wordpress)


def test_no_secret_is_committed() -> None:
    """Every secret-named variable is a ${…} reference without a default (an empty one at most)."""
    allowed_literals = {"MARIADB_RANDOM_ROOT_PASSWORD": "1"}
    raw = raw_compose()
    for name, service in raw["services"].items():
        for key, value in environment(service).items():
            if not SECRET_NAME.search(key) or allowed_literals.get(key) == value:
                continue
            assert re.fullmatch(r"\$\{[A-Z0-9_]+(:\?[^}]*|:-)?\}", value), (
                f"{name}: {key} must come from the environment"
            )
    for path in (COMPOSE, DOCKERFILE):
        assert SECRET_LOOKING_VALUE.search(path.read_text(encoding="utf-8")) is None, path.name
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert 0 == ignored.returncode, "the operator's .env (README: Deploy) must be git-ignored"


def test_required_variables_are_refused_when_missing() -> None:
    for missing in OPERATOR_ENV:
        env = {name: value for name, value in OPERATOR_ENV.items() if name != missing}
        with pytest.raises(KeyError, match=missing):
            compose(env)


# --------------------------------------------------------------------------- through a compose client


def compose_client() -> list[str] | None:
    """``docker compose`` (v2 plugin) or ``docker-compose`` (v1.29, Debian's package): either
    validates the file without an engine."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def run_compose_config(env: Mapping[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    client = compose_client()
    if client is None:
        pytest.skip("no compose client (scripts/test.sh installs Debian's docker-compose)")
    # Only the operator's variables: neither this machine's environment nor a local .env file counts.
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"), **env}
    no_dotenv = tmp_path / "empty.env"
    no_dotenv.write_text("")
    return subprocess.run(
        [*client, "--env-file", str(no_dotenv), "--project-directory", str(ROOT), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def test_compose_client_validates_the_file(tmp_path: Path) -> None:
    """The client's own validation (the Compose schema, interpolation, merge keys) accepts the file
    and resolves it to what this test module reads."""
    result = run_compose_config(OPERATOR_ENV, tmp_path)
    assert 0 == result.returncode, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    for name, service in services().items():
        assert environment(service) == environment(resolved[name]), name
        assert service.get("image") == resolved[name].get("image"), name


@pytest.mark.parametrize("missing", sorted(OPERATOR_ENV))
def test_compose_client_refuses_to_start_without_the_secrets(missing: str, tmp_path: Path) -> None:
    result = run_compose_config({name: value for name, value in OPERATOR_ENV.items() if name != missing}, tmp_path)
    assert 0 != result.returncode
    assert f"set {missing}" in result.stderr
    for value in OPERATOR_ENV.values():
        assert value not in result.stderr + result.stdout


# --------------------------------------------------------------------------- the Dockerfile


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += stripped.removesuffix("\\").strip() + " "
        if not stripped.endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    assert not pending, "a continuation line at the end of the Dockerfile"
    return instructions


def dockerfile_stages() -> list[dict[str, list[str]]]:
    """Each stage's instructions: {"FROM": [...], "COPY": [...], ...} in order."""
    stages: list[dict[str, list[str]]] = []
    for keyword, arguments in dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            stages.append({})
        assert stages, "the Dockerfile must start with FROM"
        stages[-1].setdefault(keyword, []).append(arguments)
    return stages


def test_dockerfile_builds_on_slim_python() -> None:
    for stage in dockerfile_stages():
        (base,) = stage["FROM"]
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?( AS \w+)?", base), base


def test_dockerfile_runs_as_a_non_root_user() -> None:
    (user,) = dockerfile_stages()[-1]["USER"]
    assert user.split(":")[0] not in ("root", "0"), user


def test_dockerfile_healthcheck_polls_readyz() -> None:
    (healthcheck,) = dockerfile_stages()[-1]["HEALTHCHECK"]
    options, _, command = healthcheck.partition(" CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = json.loads(command)
    assert ["python", "-c"] == argv[:2] and "/readyz" in argv[2]


def test_dockerfile_runs_python_m_bridge() -> None:
    final = dockerfile_stages()[-1]
    assert [["python", "-m", "bridge"]] == [json.loads(cmd) for cmd in final["CMD"]]
    assert "ENTRYPOINT" not in final
    assert ["8787"] == final["EXPOSE"]


def test_dockerfile_copies_only_the_package() -> None:
    """The build copies pyproject.toml, README.md and bridge/; the runtime only the built virtualenv."""
    build, final = dockerfile_stages()[0], dockerfile_stages()[-1]
    copied = {source for line in build["COPY"] for source in shlex.split(line)[:-1]}
    assert {"pyproject.toml", "README.md", "bridge"} == copied
    assert ["--from=build /opt/venv /opt/venv"] == final["COPY"]
    assert not any("ADD" in stage for stage in dockerfile_stages())
    assert "pip wheel" in " ".join(build["RUN"])


def test_dockerfile_holds_no_secret() -> None:
    for stage in dockerfile_stages():
        for keyword in ("ENV", "ARG", "LABEL"):
            for arguments in stage.get(keyword, []):
                names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", arguments)
                assert not [name for name in names if SECRET_NAME.search(name)], arguments


def test_dockerignore_lets_in_only_what_the_build_copies() -> None:
    rules = [
        line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert "*" == rules[0]
    assert {"pyproject.toml", "README.md", "bridge/"} == {rule[1:] for rule in rules if rule.startswith("!")}


# --------------------------------------------------------------------------- the wheel, as the image builds it


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the sidecar installed from a wheel built like the Dockerfile builds it:
    ``pip wheel`` of a context holding only pyproject.toml, README.md and bridge/ (build isolation
    included). Dependencies are not rebuilt: the new environment sees this one's site-packages as a
    path, which does not run its editable-install hook, so ``bridge`` comes from the wheel alone."""
    work = tmp_path_factory.mktemp("image")
    context = work / "context"
    context.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, context / name)
    shutil.copytree(ROOT / "bridge", context / "bridge", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    wheels = work / "wheels"
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(context)], check=True, timeout=240)
    (wheel,) = wheels.glob("fct_bridge-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True, timeout=120
    )
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site_packages, "dependencies-from-the-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_wheel_holds_the_whole_package(wheel_venv: Path, tmp_path: Path) -> None:
    """Every module of bridge/ imports from the installed wheel, not from this checkout."""
    code = (
        "import importlib, pkgutil, bridge; "
        "names = [m.name for m in pkgutil.walk_packages(bridge.__path__, 'bridge.')]; "
        "[importlib.import_module(n) for n in names]; "
        "print(bridge.__file__, len(names))"
    )
    out = subprocess.run(
        [str(wheel_venv / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    ).stdout.split()
    source_modules = [p for p in (ROOT / "bridge").rglob("*.py") if "__pycache__" not in p.parts]
    assert str(wheel_venv) in out[0]
    assert len(source_modules) - 1 == int(out[1])  # every module but bridge/__init__.py itself


@pytest.fixture
def served(wheel_venv: Path, tmp_path: Path, db_server: DbServer, database: str) -> Iterator[int]:
    """``python -m bridge`` (the image's CMD) from the wheel's virtualenv, reading the official image's
    wp-config.php with the compose file's sidecar environment pointed at this machine's MariaDB."""
    wp_config = tmp_path / "wp-config.php"
    shutil.copy2(OFFICIAL_WP_CONFIG, wp_config)
    port = free_port()
    env = sidecar_env_for_this_machine(db_server, database, wp_config, port)
    proc = subprocess.Popen(
        [str(wheel_venv / "bin" / "python"), "-m", "bridge"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert 200 == wait_ready(f"http://127.0.0.1:{port}/readyz", proc, limit_s=30)
        yield port
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        assert 0 == proc.returncode, stderr
        for secret in (OPERATOR_ENV["FCT_BRIDGE_SECRET"], "5d2f8a1c7e4b0d3f6a9c2e5b8d1f4a7c0e3b6d9f"):
            assert secret not in stderr  # the bridge secret and LOGGED_IN_KEY are redacted
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_the_image_healthcheck_passes_against_the_wheel(served: int, wheel_venv: Path) -> None:
    """The Dockerfile's HEALTHCHECK command, run as written, says healthy; against a closed port it does not."""
    port = served
    (healthcheck,) = dockerfile_stages()[-1]["HEALTHCHECK"]
    argv = json.loads(healthcheck.partition(" CMD ")[2])
    argv[0] = str(wheel_venv / "bin" / "python")
    healthy = subprocess.run(argv, env={"FCT_BRIDGE_PORT": str(port)}, capture_output=True, timeout=10, check=False)
    closed = subprocess.run(
        argv, env={"FCT_BRIDGE_PORT": str(free_port())}, capture_output=True, timeout=10, check=False
    )
    assert (0, 1) == (healthy.returncode, closed.returncode)


# --------------------------------------------------------------------------- the two containers' wp-config.php


def test_the_sidecar_evaluates_the_official_wp_config_as_the_compose_file_intends() -> None:
    """With the compose file's sidecar environment, the image's wp-config.php gives the database,
    URL and secret the compose file sets up: MariaDB's service and credentials, the sidecar's service."""
    found = services()
    config = load_wp_config(OFFICIAL_WP_CONFIG, environ=environment(found["sidecar"]))
    db_env, sidecar_env = environment(found["db"]), environment(found["sidecar"])
    host = parse_db_host(str(config.value("DB_HOST")))
    expected = {
        "DB_NAME": db_env["MARIADB_DATABASE"],
        "DB_USER": db_env["MARIADB_USER"],
        "DB_PASSWORD": OPERATOR_ENV["DB_PASSWORD"],
        "db service": ("db", 3306),
        "FCT_BRIDGE_URL": f"http://sidecar:{sidecar_env['FCT_BRIDGE_PORT']}",
        "FCT_BRIDGE_SECRET": OPERATOR_ENV["FCT_BRIDGE_SECRET"],
        "unsupported": [],
    }
    actual = {
        "DB_NAME": config.value("DB_NAME"),
        "DB_USER": config.value("DB_USER"),
        "DB_PASSWORD": config.value("DB_PASSWORD"),
        "db service": (host.host, host.port),
        "FCT_BRIDGE_URL": config.value("FCT_BRIDGE_URL"),
        "FCT_BRIDGE_SECRET": config.value("FCT_BRIDGE_SECRET"),
        "unsupported": list(config.unsupported),
    }
    assert expected == actual
    assert host.host in found and "sidecar" in found


@pytest.mark.php
def test_php_in_wordpress_and_the_parser_in_the_sidecar_agree(tmp_path: Path) -> None:
    """PHP running the image's wp-config.php with the WordPress container's environment defines exactly
    what the sidecar's parser finds with the sidecar's environment."""
    from tests.wordpress.test_wp_config_php_crosscheck import run_fixture_in_php

    (tmp_path / "wp-settings.php").write_text("<?php\n")
    found = services()
    php = run_fixture_in_php(OFFICIAL_WP_CONFIG, tmp_path, environment(found["wordpress"]))
    config = load_wp_config(OFFICIAL_WP_CONFIG, environ=environment(found["sidecar"]))
    expected = {name: value for name, value in php.items() if name != "ABSPATH"}
    actual = {**config.constants, "$table_prefix": config.table_prefix}
    assert expected == actual


def test_the_compose_comments_point_at_the_webhook_only_listener_never_the_admin_port() -> None:
    """No comment suggests publishing 8787 (the admin API); the one about letting Stripe post directly names
    the public webhook-only listener and publishes its port."""
    comments = [line.split("#", 1)[1] for line in COMPOSE.read_text(encoding="utf-8").splitlines() if "#" in line]
    published = [c for c in comments if re.search(r'"\d+:\d+"', c)]

    assert [] == [c for c in published if "8787" in c]
    assert ['     - "8788:8788"'] == published
    assert any("FCT_BRIDGE_PUBLIC_PORT" in c for c in comments)
    assert any("Never publish 8787" in c for c in comments)
