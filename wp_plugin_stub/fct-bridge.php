<?php
/**
 * Plugin Name:       FluentCart Stripe Bridge
 * Description:       Runs FluentCart's Stripe settings page, webhooks and Connect returns through the fct-bridge sidecar service. The plugin holds no Stripe secret; it signs admin requests with FCT_BRIDGE_SECRET and forwards them to FCT_BRIDGE_URL.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Author:            fct-bridge
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       fct-bridge
 *
 * Configuration (wp-config.php):
 *   define( 'FCT_BRIDGE_URL', 'http://127.0.0.1:8787' );  // where WordPress reaches the sidecar
 *   define( 'FCT_BRIDGE_SECRET', '…' );                    // shared with the sidecar; never shown
 *
 * Hooks for other plugins (fired when the sidecar reports, through a signed
 * `POST /wp-json/fct-bridge/v1/events`, that it applied a Stripe event to FluentCart's data):
 *   do_action( 'fct_bridge/stripe_event', string $type, array $payload );
 *   do_action( 'fct_bridge/stripe_event/' . $type, array $payload );  // e.g. …/invoice.payment_failed
 * $payload = array( 'event_id' => 'evt_…', 'mode' => 'test'|'live', 'order_ids' => int[],
 *                   'subscription_ids' => int[] ) — the FluentCart rows the event changed. Delivery is
 * at least once: act idempotently per event_id.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

define( 'FCT_BRIDGE_VERSION', '0.1.0' );
define( 'FCT_BRIDGE_PLUGIN_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-fct-bridge-protocol.php';
require_once __DIR__ . '/includes/class-fct-bridge-client.php';
require_once __DIR__ . '/includes/class-fct-bridge-rest-controller.php';
require_once __DIR__ . '/includes/class-fct-bridge-webhooks-controller.php';
require_once __DIR__ . '/includes/class-fct-bridge-events-route.php';
require_once __DIR__ . '/includes/class-fct-bridge-effects.php';
require_once __DIR__ . '/includes/class-fct-bridge-apply-route.php';
require_once __DIR__ . '/includes/class-fct-bridge-admin-page.php';
require_once __DIR__ . '/includes/class-fct-bridge-front-routes.php';

// Front routes run before FluentCart's own `init` handler so the bridge answers them first.
add_action( 'init', array( 'FCT_Bridge_Front_Routes', 'handle_request' ), 1 );

add_action( 'rest_api_init', array( new FCT_Bridge_REST_Controller(), 'register_routes' ) );
add_action( 'rest_api_init', array( new FCT_Bridge_Webhooks_Controller(), 'register_routes' ) );
add_action( 'rest_api_init', array( new FCT_Bridge_Events_Route(), 'register_routes' ) );
add_action( 'rest_api_init', array( new FCT_Bridge_Apply_Route(), 'register_routes' ) );
add_filter( 'rest_post_dispatch', array( 'FCT_Bridge_REST_Controller', 'add_nocache_headers' ), 10, 3 );

$fct_bridge_admin_page = new FCT_Bridge_Admin_Page();
// Late priority: when FluentCart is active its `fluent-cart` parent menu must exist first.
add_action( 'admin_menu', array( $fct_bridge_admin_page, 'register_menus' ), 99 );
add_action( 'admin_enqueue_scripts', array( $fct_bridge_admin_page, 'enqueue_assets' ) );
add_filter( 'removable_query_args', array( 'FCT_Bridge_Admin_Page', 'removable_query_args' ) );
add_action( 'fluent_cart/loading_app', array( $fct_bridge_admin_page, 'enqueue_fluentcart_route' ) );
add_filter( 'admin_title', array( 'FCT_Bridge_Admin_Page', 'admin_title' ) );
unset( $fct_bridge_admin_page );
