<?php
/**
 * For bench/fluentcart_apply.py: FluentCart's own processing of charge.succeeded events in one PHP process,
 * the reference the bridge's apply through FluentCart is compared with. Each event (JSON lines in the file
 * FCT_BENCH_EVENTS names) goes through what FluentCart's IPN route does after its re-fetch:
 * Webhook::processAndInsertOrderByEvent, then its fluent_cart/payments/stripe/webhook_charge_succeeded
 * handler. No HTTP, no signature (FluentCart verifies none). Prints {count, seconds} as JSON.
 */

use FluentCart\App\Modules\PaymentMethods\StripeGateway\Webhook\Webhook;

$lines   = file( (string) getenv( 'FCT_BENCH_EVENTS' ), FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES );
$started = microtime( true );
foreach ( $lines as $line ) {
	$event = json_decode( $line );
	$order = ( new Webhook() )->processAndInsertOrderByEvent( $event );
	if ( $order && ! is_wp_error( $order ) ) {
		do_action( 'fluent_cart/payments/stripe/webhook_charge_succeeded', array( 'event' => $event, 'order' => $order ) );
	}
}
echo wp_json_encode( array( 'count' => count( $lines ), 'seconds' => microtime( true ) - $started ) );
