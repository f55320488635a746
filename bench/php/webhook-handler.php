<?php
/**
 * Benchmark only: the PHP baseline for ./scripts/bench.sh, never part of the plugin.
 *
 * What a WordPress payment gateway does with a Stripe webhook, per request, written the way such a
 * gateway writes it: boot WordPress (wp-load.php: core, every active plugin, the theme) and answer from an
 * `init` callback at the default priority, where FluentCart's own IPN listener answers; read the gateway's
 * settings (the same `fct_meta` row and store option the sidecar reads), verify `Stripe-Signature` in
 * PHP (HMAC-SHA256 over "<t>.<raw body>", constant-time compare, 300 s tolerance), then store the event
 * and a delivery record in one transaction in the same database (its own tables, a unique event id,
 * INSERT IGNORE for redeliveries) and answer 200 with the same JSON shape as the sidecar, then exit
 * (nothing after `init` runs: no query, no template).
 *
 * scripts/bench.sh copies this file into the bench site's document root and creates the two tables.
 */

// The raw body must be read before anything could consume php://input.
$fct_bench_body = file_get_contents( 'php://input' );

const FCT_BENCH_TOLERANCE_S = 300;

// Hooked before WordPress loads (a pre-initialised $wp_filter, which wp-includes/plugin.php adopts), so it
// runs during wp-load.php, as a plugin's add_action( 'init', … ) would.
$GLOBALS['wp_filter']['init'][10][] = array(
	'function'      => 'fct_bench_handle',
	'accepted_args' => 0,
);
require __DIR__ . '/wp-load.php';
// Only reached when `init` did not answer (it always does).
fct_bench_answer( 500, array( 'error' => 'init did not run the handler' ) );

/**
 * Send a JSON answer and stop.
 *
 * @param int   $status HTTP status.
 * @param array $data   Body.
 */
function fct_bench_answer( $status, $data ) {
	status_header( $status );
	header( 'Content-Type: application/json; charset=utf-8' );
	echo wp_json_encode( $data );
	exit;
}

/**
 * The modes whose signing secret produced one of the header's v1 signatures, as Stripe's own PHP SDK
 * checks it (Webhook::constructEvent): t and v1 from the header, tolerance, hash_equals().
 *
 * @param string $body    Raw body.
 * @param string $header  Stripe-Signature.
 * @param array  $secrets Mode => list of secrets.
 * @return array{0: string[], 1: string} Matched modes and the reason when none matched.
 */
function fct_bench_verify( $body, $header, $secrets ) {
	$timestamp  = null;
	$signatures = array();
	foreach ( explode( ',', $header ) as $item ) {
		$pair = explode( '=', trim( $item ), 2 );
		if ( 2 !== count( $pair ) ) {
			continue;
		}
		if ( 't' === $pair[0] && ctype_digit( $pair[1] ) ) {
			$timestamp = (int) $pair[1];
		} elseif ( 'v1' === $pair[0] ) {
			$signatures[] = $pair[1];
		}
	}
	if ( null === $timestamp || ! $signatures ) {
		return array( array(), 'unable to extract timestamp and signatures from header' );
	}
	$matched = array();
	foreach ( $secrets as $mode => $candidates ) {
		foreach ( $candidates as $secret ) {
			$expected = hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
			foreach ( $signatures as $signature ) {
				if ( hash_equals( $expected, $signature ) ) {
					$matched[ $mode ] = true;
				}
			}
		}
	}
	if ( ! $matched ) {
		return array( array(), 'no signatures found matching the expected signature for payload' );
	}
	if ( abs( time() - $timestamp ) > FCT_BENCH_TOLERANCE_S ) {
		return array( array(), 'timestamp outside the tolerance zone' );
	}
	return array( array_keys( $matched ), '' );
}

/**
 * The webhook, answered on `init`.
 */
function fct_bench_handle() {
	if ( 'POST' !== ( $_SERVER['REQUEST_METHOD'] ?? '' ) ) {
		fct_bench_answer( 405, array( 'error' => 'rejected', 'detail' => 'POST only' ) );
	}

	global $wpdb, $fct_bench_body;
	$fct_bench_events     = $wpdb->prefix . 'fct_bench_php_events';
	$fct_bench_deliveries = $wpdb->prefix . 'fct_bench_php_deliveries';

	// The gateway's settings, read per request as the sidecar does: the stored row (which may hold
	// webhook secrets) and the store mode.
	$fct_bench_stored = $wpdb->get_var(
		$wpdb->prepare( "SELECT meta_value FROM {$wpdb->prefix}fct_meta WHERE meta_key = %s ORDER BY id DESC LIMIT 1", 'fluent_cart_payment_settings_stripe' )
	);
	$fct_bench_stored = is_string( $fct_bench_stored ) ? json_decode( $fct_bench_stored, true ) : array();
	$fct_bench_store  = get_option( 'fluent_cart_store_settings', array() );
	$fct_bench_live   = is_array( $fct_bench_store ) && 'live' === ( $fct_bench_store['order_mode'] ?? 'test' );

	$fct_bench_secrets = array();
	foreach ( array( 'test', 'live' ) as $fct_bench_mode ) {
		$fct_bench_name = 'FCT_STRIPE_' . strtoupper( $fct_bench_mode ) . '_WEBHOOK_SECRET';
		$fct_bench_secrets[ $fct_bench_mode ] = defined( $fct_bench_name ) && constant( $fct_bench_name ) ? array( constant( $fct_bench_name ) ) : array();
	}

	$fct_bench_header = isset( $_SERVER['HTTP_STRIPE_SIGNATURE'] ) ? (string) $_SERVER['HTTP_STRIPE_SIGNATURE'] : '';
	if ( '' === $fct_bench_header ) {
		fct_bench_answer( 400, array( 'error' => 'rejected', 'detail' => 'missing Stripe-Signature header' ) );
	}
	[ $fct_bench_modes, $fct_bench_reason ] = fct_bench_verify( (string) $fct_bench_body, $fct_bench_header, $fct_bench_secrets );
	if ( ! $fct_bench_modes ) {
		fct_bench_answer( 400, array( 'error' => 'rejected', 'detail' => 'signature check failed: ' . $fct_bench_reason ) );
	}

	$fct_bench_event = json_decode( (string) $fct_bench_body, true );
	if ( ! is_array( $fct_bench_event ) || ! isset( $fct_bench_event['id'], $fct_bench_event['type'], $fct_bench_event['created'] )
		|| ! is_string( $fct_bench_event['id'] ) || 0 !== strpos( $fct_bench_event['id'], 'evt_' ) ) {
		fct_bench_answer( 400, array( 'error' => 'rejected', 'detail' => 'body is not a Stripe event' ) );
	}
	$fct_bench_mode = empty( $fct_bench_event['livemode'] ) ? 'test' : 'live';
	if ( ! in_array( $fct_bench_mode, $fct_bench_modes, true ) ) {
		fct_bench_answer( 400, array( 'error' => 'rejected', 'detail' => 'livemode does not match the signing secret' ) );
	}
	$fct_bench_ignored = 'test' === $fct_bench_mode && $fct_bench_live;

	// One transaction, committed before the 200: the event (unique id) and the delivery record.
	$wpdb->query( 'START TRANSACTION' );
	$fct_bench_new = $wpdb->query(
		$wpdb->prepare(
			"INSERT IGNORE INTO {$fct_bench_events} (event_id, type, mode, created, payload, status, received_at) VALUES (%s, %s, %s, %d, %s, %s, UTC_TIMESTAMP(3))",
			$fct_bench_event['id'],
			(string) $fct_bench_event['type'],
			$fct_bench_mode,
			(int) $fct_bench_event['created'],
			(string) $fct_bench_body,
			$fct_bench_ignored ? 'ignored' : 'pending'
		)
	);
	if ( false === $fct_bench_new ) {
		$wpdb->query( 'ROLLBACK' );
		fct_bench_answer( 503, array( 'error' => 'unavailable', 'detail' => 'could not store the event' ) );
	}
	$fct_bench_outcome = 1 === $fct_bench_new ? ( $fct_bench_ignored ? 'ignored' : 'accepted' ) : 'duplicate';
	$fct_bench_logged  = $wpdb->query(
		$wpdb->prepare(
			"INSERT INTO {$fct_bench_deliveries} (received_at, event_id, type, mode, verdict) VALUES (UTC_TIMESTAMP(3), %s, %s, %s, %s)",
			$fct_bench_event['id'],
			(string) $fct_bench_event['type'],
			$fct_bench_mode,
			$fct_bench_outcome
		)
	);
	if ( false === $fct_bench_logged || false === $wpdb->query( 'COMMIT' ) ) {
		$wpdb->query( 'ROLLBACK' );
		fct_bench_answer( 503, array( 'error' => 'unavailable', 'detail' => 'could not store the event' ) );
	}

	fct_bench_answer(
		200,
		array(
			'received' => $fct_bench_event['id'],
			'mode'     => $fct_bench_mode,
			'outcome'  => $fct_bench_outcome,
		)
	);
}
