<?php
/**
 * Plugin Name: fct-bridge fault suite: FluentCart's domain events, as committed
 * Description: Installed by python -m faults.fluentcart on its own test site only, never on a store.
 *
 * Records each dispatch of FluentCart's domain events as a row of {prefix}fct_faults_probes, written in
 * the transaction that dispatched it: a dispatch whose transaction was rolled back (the request died)
 * leaves no row, as it left no other row. What the suite counts is what happened to the store, once.
 */

foreach ( array( 'fluent_cart/order_paid', 'fluent_cart/order_refunded', 'fluent_cart/subscription_renewed' ) as $fct_faults_hook ) {
	add_action(
		$fct_faults_hook,
		static function ( $data = null ) use ( $fct_faults_hook ) {
			global $wpdb;
			$order = is_array( $data ) ? ( $data['order'] ?? null ) : null;
			$sub   = is_array( $data ) ? ( $data['subscription'] ?? null ) : null;
			$wpdb->insert(
				$wpdb->prefix . 'fct_faults_probes',
				array(
					'hook'            => $fct_faults_hook,
					'order_id'        => is_object( $order ) ? (int) ( $order->id ?? 0 ) : 0,
					'subscription_id' => is_object( $sub ) ? (int) ( $sub->id ?? 0 ) : 0,
				)
			);
		}
	);
}
unset( $fct_faults_hook );
