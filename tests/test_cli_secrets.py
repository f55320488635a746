"""`fct-bridge secrets rotate` after a salt change: PHP-decryptable credentials again, all or nothing."""

from __future__ import annotations

import json
import shutil

from tests.php import run_fluentcart_php
from tests.sites import TestSite
from tests.test_cli import cli, salts, stored_row, write_row_with_php

SK = "sk_test_51RotateMeAfterSaltChange0001"


def change_salts(site: TestSite) -> dict[str, str]:
    """Back up wp-config.php, then give the site new keys; returns the old ones."""
    old = salts(site)
    shutil.copy(site.wp_config, site.dir / "wp-config.old.php")
    site.defines["LOGGED_IN_KEY"] = "new-logged-in-key-" + "k" * 40
    site.defines["LOGGED_IN_SALT"] = "new-logged-in-salt-" + "s" * 40
    site.write_config()
    return old


def test_rotate_restores_credentials_php_decrypts_with_the_new_salts(site: TestSite) -> None:
    """The key FluentCart encrypted with the old salts decrypts in PHP with the new ones after rotate."""
    write_row_with_php(site, {"test_secret_key": SK, "test_publishable_key": "pk_test_x1"})
    change_salts(site)
    shown = json.loads(cli("settings", "show", "--json", wp_config=site.wp_config).stdout)

    result = cli("secrets", "rotate", "--old-wp-config", str(site.dir / "wp-config.old.php"), "--json",
                 wp_config=site.wp_config)

    assert False is shown["modes"]["test"]["secret_key"]["decryptable"]
    assert 0 == result.returncode, result.stderr
    assert ["test_secret_key"] == json.loads(result.stdout)["rotated"]
    php = run_fluentcart_php("echo fct_decrypt_key(json_decode(stream_get_contents(STDIN), true)['test_secret_key']);",
                             stored_row(site).encode(), defines=salts(site))
    assert SK == php.decode()


def test_a_wrong_old_salt_changes_nothing(site: TestSite) -> None:
    """With the wrong old salt, rotate exits 2 naming the field, and the row is untouched."""
    write_row_with_php(site, {"test_secret_key": SK})
    old = change_salts(site)
    before = site.snapshot()

    result = cli("secrets", "rotate", "--old-logged-in-key", old["LOGGED_IN_KEY"], "--old-logged-in-salt", "wrong",
                 wp_config=site.wp_config)

    assert 2 == result.returncode
    assert "cannot decrypt test_secret_key with the current or the old keys" in result.stderr
    assert old["LOGGED_IN_KEY"] not in result.stderr
    assert before == site.snapshot()


def test_a_dry_run_says_what_would_change_and_writes_nothing(site: TestSite) -> None:
    """--dry-run lists the fields it would re-encrypt and leaves the database as it was."""
    write_row_with_php(site, {"test_secret_key": SK})
    change_salts(site)
    before = site.snapshot()

    result = cli("secrets", "rotate", "--old-wp-config", str(site.dir / "wp-config.old.php"), "--dry-run",
                 wp_config=site.wp_config)

    assert (0, "would re-encrypt: test_secret_key") == (result.returncode, result.stdout.splitlines()[0])
    assert before == site.snapshot()


def test_rotate_without_old_values_is_a_usage_error(site: TestSite) -> None:
    """Nothing to rotate from: exit 2 and a one-line reason."""
    result = cli("secrets", "rotate", wp_config=site.wp_config)

    assert 2 == result.returncode
    assert "give the old values" in result.stderr
