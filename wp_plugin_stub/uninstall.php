<?php
/**
 * Uninstall handler for FluentCart Stripe Bridge.
 *
 * The plugin stores nothing in WordPress: no options, no transients, no user meta, no tables.
 * Stripe settings live in FluentCart's own `fct_meta` row and are owned by FluentCart (and edited
 * through the sidecar); they must survive the removal of this plugin, so nothing is deleted here.
 * The configuration constants (FCT_BRIDGE_URL, FCT_BRIDGE_SECRET) live in wp-config.php and are the
 * site owner's to remove.
 *
 * @package FCT_Bridge
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

// Intentionally empty: there is no plugin-owned data to delete, and FluentCart's data is not ours.
