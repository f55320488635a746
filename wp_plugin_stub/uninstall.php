<?php
/**
 * Uninstall handler for FluentCart Stripe Bridge.
 *
 * The plugin stores almost nothing in WordPress: only short-lived transients holding the nonces of
 * notices the sidecar sent (`fct_bridge_nonce_<nonce>`, 10 minutes), deleted below; no user meta.
 * The apply ledger ({prefix}fct_bridge_applied_effects and its option fct_bridge_ledger_version) is kept
 * on purpose: without it a re-installed plugin could apply an already applied event's effects again; so
 * are e-mails held for sending after their effect committed ({prefix}fct_bridge_mail_outbox), which a
 * re-installed plugin sends.
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

// The used-nonce transients (FCT_Bridge_Events_Route). With an external object cache they are not in
// the options table and expire there by themselves.
global $wpdb;
foreach ( array( '_transient_fct_bridge_nonce_', '_transient_timeout_fct_bridge_nonce_' ) as $fct_bridge_prefix ) {
	$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( $fct_bridge_prefix ) . '%' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a one-time clean-up on uninstall.
}
unset( $fct_bridge_prefix );
