"""Entry points: evaluate wp-config.php's text, or read it (and its includes) from disk."""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Callable, Mapping

from bridge.errors import WpConfigInvalid, WpConfigUnreadable
from bridge.wordpress.wp_config.evaluator import Evaluator
from bridge.wordpress.wp_config.model import WpConfig


def parse_wp_config(
    text: str,
    *,
    path: str = "/wp-config.php",
    environ: Mapping[str, str],
    read_include: Callable[[str], str] | None = None,
    file_exists: Callable[[str], bool] | None = None,
    read_env_file: Callable[[str], bytes] | None = None,
) -> WpConfig:
    """Evaluate wp-config.php's text. ``read_include(path)`` reads a file it requires (None: do
    not follow includes); ``file_exists(path)`` answers ``file_exists()`` for paths inside the
    wp-config directory (None: such conditions cannot be evaluated); ``read_env_file(path)`` reads
    the file a ``<NAME>_FILE`` variable names for ``getenv_docker()`` (None: such values cannot be
    evaluated)."""
    main = posixpath.normpath(path)
    evaluator = Evaluator(main, environ, read_include, file_exists, read_env_file)
    try:
        evaluator.run(text)
    except RecursionError:
        raise WpConfigInvalid(f"{posixpath.basename(main)}: nested too deeply to evaluate") from None
    return evaluator.result()


def load_wp_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> WpConfig:
    """Read and evaluate wp-config.php, following includes of files in its directory."""
    main = os.path.abspath(os.fspath(path))
    return parse_wp_config(
        _read_text(main),
        path=main,
        environ=os.environ if environ is None else environ,
        read_include=_read_text,
        file_exists=os.path.exists,
        read_env_file=_read_env_file,
    )


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise WpConfigUnreadable(f"cannot read {path}: {err.strerror or err}") from None
    try:
        # Decode ourselves (no newline translation): heredocs keep their CRLFs, as in PHP.
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WpConfigUnreadable(f"cannot read {path}: not valid UTF-8") from None


MAX_ENV_FILE_BYTES = 1024 * 1024  # a password or a key, never more: refuse reading /dev/zero forever


def _read_env_file(path: str) -> bytes:
    """The file a ``<NAME>_FILE`` variable names (a Docker secret); OSError is reported by the caller."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_ENV_FILE_BYTES + 1)
    if len(data) > MAX_ENV_FILE_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_ENV_FILE_BYTES} bytes")
    return data
