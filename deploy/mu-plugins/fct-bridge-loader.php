<?php
/**
 * Plugin Name: FluentCart Stripe Bridge (loader)
 * Description: Loads the fct-bridge plugin mounted at wp-content/plugins/fct-bridge on every request, so a container deployment needs no activation step (docker-compose.yml mounts this file into wp-content/mu-plugins/).
 *
 * WordPress loads must-use plugins before regular ones and cannot deactivate them. The bridge
 * plugin registers all its hooks when its file is included and has no activation hook, so loading
 * it from here is the same as activating it. Activating it on the Plugins screen as well is
 * harmless: WordPress includes the same file with include_once.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

if ( is_readable( WP_PLUGIN_DIR . '/fct-bridge/fct-bridge.php' ) ) {
	require_once WP_PLUGIN_DIR . '/fct-bridge/fct-bridge.php';
}
