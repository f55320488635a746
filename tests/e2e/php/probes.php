<?php
/**
 * Copied into the e2e site's mu-plugins by tests/e2e/test_fluentcart_apply.py while its tests run (test
 * sites only): records every dispatch of FluentCart's domain events, with the order's id, as JSON lines
 * in wp-content/fct-test-probes.jsonl.
 */

$fct_probe_hooks = array(
	'fluent_cart/order_paid',
	'fluent_cart/order_status_updated',
	'fluent_cart/order_refunded',
	'fluent_cart/subscription_renewed',
	'fluent_cart/subscription_canceled',
	'fluent_cart/subscription_activated',
	'fluent_cart/subscription_eot',
	'fluent_cart/payments/subscription_status_changed',
);
foreach ( $fct_probe_hooks as $fct_probe_hook ) {
	add_action(
		$fct_probe_hook,
		static function ( $data = null ) use ( $fct_probe_hook ) {
			$order = is_array( $data ) ? ( $data['order'] ?? null ) : null;
			$id    = is_object( $order ) ? ( $order->id ?? null ) : ( is_array( $order ) ? ( $order['id'] ?? null ) : null );
			$sub   = is_array( $data ) ? ( $data['subscription'] ?? null ) : null;
			$sid   = is_object( $sub ) ? ( $sub->id ?? null ) : null;
			$line  = wp_json_encode( array( 'hook' => $fct_probe_hook, 'order_id' => $id, 'subscription_id' => $sid ) ) . "\n";
			file_put_contents( WP_CONTENT_DIR . '/fct-test-probes.jsonl', $line, FILE_APPEND | LOCK_EX );
		}
	);
}
