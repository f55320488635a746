"""Read WordPress's ``wp-config.php`` without running PHP.

The file is parsed with tree-sitter's PHP grammar and its top-level statements are evaluated
in order, the way PHP would, for the small language wp-config files are written in:
``define()``/``const``, ``$table_prefix``, guards such as ``defined('X') or define(...)`` and
``if (!defined('X')) { ... }``, string/number literals (including heredoc and nowdoc),
concatenation, ``?:``/``??``/ternaries, comparisons, references to earlier constants,
``__DIR__``/``__FILE__``/``dirname()``, and ``require``/``include`` of files next to
wp-config.php. Anything else is never guessed: a value we cannot evaluate is reported as an
:class:`Unsupported` entry (by name, file and line, never by value: it may be a secret).

Environment: ``getenv('X')``, ``$_ENV['X']`` and ``$_SERVER['X']`` are resolved from the
``environ`` mapping, i.e. the process environment *the bridge* runs in, not PHP-FPM's.
``getenv()`` gives ``false`` for a missing variable, ``$_ENV``/``$_SERVER`` give ``null``.
``$_SERVER`` keys that describe the HTTP request (``HTTP_*``, ``REQUEST_URI`` ...) have no
value outside a request and are reported as unsupported. (PHP only fills ``$_ENV`` when
``variables_order`` contains ``E``; we assume it does.) An assignment to (or ``unset()`` of) a
``$_ENV``/``$_SERVER`` entry, or a ``putenv()``, defines nothing and is otherwise ignored, but a
later read of what it may have changed is unsupported (env_writes.py).

The official ``wordpress`` Docker image's wp-config.php is evaluated as PHP would evaluate it:
``function_exists()`` (builtins.py), the image's ``getenv_docker()`` helper, trusted *by
name* when the file declares a function called that (its body is not evaluated: it is taken to be
the image's, which reads ``<NAME>_FILE``, then ``<NAME>``, then the default), and its
``if ($configExtra = getenv_docker('WORDPRESS_CONFIG_EXTRA', '')) { eval($configExtra); }``: that
string from the environment is parsed and evaluated with the same rules, what it defines reported
under ``WORDPRESS_CONFIG_EXTRA`` and its own line numbers (env_eval.py). Any other ``eval()`` is reported as unsupported
and may define anything. Since the environment is the bridge's, the bridge must be given the same
``WORDPRESS_*`` variables (and ``_FILE`` secrets) as the WordPress container.

``file_exists()`` is answered only when the caller passes a ``file_exists`` callback
(:func:`load_wp_config` does) and only for paths inside the wp-config directory: the common
``if (file_exists(__DIR__ . '/wp-config-local.php')) require ...`` idiom then works.

Uncertainty is tracked, not ignored: a ``define()`` inside a condition we cannot evaluate is
reported as unsupported, and so is a later definition of the same name (PHP keeps the first
one, which we do not know). After an include that is not followed, or a ``define()`` whose
name cannot be evaluated, ``defined('X')`` for a name we have not seen is undecidable.

WordPress context: wp-load.php defines ABSPATH before it loads wp-config.php, so ABSPATH is
predefined here too (wp-config's directory if wp-settings.php is next to it, else unknown) and
wp-config's own ``define('ABSPATH', ...)`` is ignored, as in PHP. ``require ABSPATH .
'wp-settings.php'`` is WordPress's own bootstrap and ends evaluation. A file that reaches
``exit``/``die`` first, or that PHP would not compile, is refused (:class:`WpConfigInvalid`),
and so is a raw NUL byte, which tree-sitter cannot read past.
"""

from __future__ import annotations

from bridge.wordpress.wp_config.db_settings import DbHost, parse_db_host, validate_table_prefix
from bridge.wordpress.wp_config.loader import load_wp_config, parse_wp_config
from bridge.wordpress.wp_config.model import (
    ABSPATH,
    DYNAMIC_NAME,
    MAIN_FILE_NAME,
    TABLE_PREFIX,
    WELL_KNOWN,
    Include,
    Unsupported,
    WpConfig,
)
from bridge.wordpress.wp_config.values import PhpScalar, php_string

__all__ = [
    "ABSPATH",
    "DYNAMIC_NAME",
    "MAIN_FILE_NAME",
    "TABLE_PREFIX",
    "WELL_KNOWN",
    "DbHost",
    "Include",
    "PhpScalar",
    "Unsupported",
    "WpConfig",
    "load_wp_config",
    "parse_db_host",
    "parse_wp_config",
    "php_string",
    "validate_table_prefix",
]
