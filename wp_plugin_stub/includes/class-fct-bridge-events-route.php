<?php
/**
 * The route the sidecar calls after it applied a Stripe event.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * `POST /wp-json/fct-bridge/v1/events`: a notice signed by the sidecar (docs/protocol.md, "Notices to
 * WordPress"), turned into the `fct_bridge/stripe_event` actions other plugins listen to.
 *
 * The caller is the sidecar, not a logged-in user, so the route is open to the REST API and the
 * handler itself checks the HMAC (FCT_BRIDGE_SECRET), the timestamp window and a single-use nonce
 * before anything runs.
 */
class FCT_Bridge_Events_Route {

	/** REST namespace (shared with the settings routes). */
	const REST_NAMESPACE = 'fct-bridge/v1';

	/** How far the sidecar's timestamp may be from this server's clock, in seconds. */
	const MAX_SKEW = 300;

	/** How long a used nonce is remembered: longer than the whole window a timestamp is accepted in. */
	const NONCE_TTL = 600;

	/** Transient name prefix of used nonces. */
	const NONCE_PREFIX = 'fct_bridge_nonce_';

	/**
	 * Register the route (on `rest_api_init`).
	 */
	public function register_routes() {
		register_rest_route(
			self::REST_NAMESPACE,
			'/events',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'receive' ),
				// Open on purpose: the sidecar has no WordPress login; receive() verifies its signature.
				'permission_callback' => '__return_true',
			)
		);
	}

	/**
	 * Verify a notice and fire the actions.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error 200 `{"ok":true}`; 401 unsigned, forged or stale; 409 replayed;
	 *                                   400 a signed body that is not a notice.
	 */
	public function receive( $request ) {
		$body     = (string) $request->get_body();
		$verified = self::verify_signed( $request, $body );
		if ( is_wp_error( $verified ) ) {
			return $verified;
		}

		$notice = self::parse( $body );
		if ( is_wp_error( $notice ) ) {
			return $notice;
		}

		$used = self::use_nonce( $verified );
		if ( is_wp_error( $used ) ) {
			return $used;
		}

		list( $type, $payload ) = $notice;
		/**
		 * A Stripe event was applied to FluentCart's data by the fct-bridge sidecar.
		 *
		 * @param string $type    Stripe event type, e.g. `customer.subscription.deleted`.
		 * @param array  $payload `event_id` (string), `mode` (`test`|`live`), `order_ids` (int[]),
		 *                        `subscription_ids` (int[]): the FluentCart rows the event changed.
		 */
		do_action( 'fct_bridge/stripe_event', $type, $payload );
		/**
		 * The same, for one event type only, e.g. `fct_bridge/stripe_event/invoice.payment_failed`.
		 *
		 * @param array $payload As for `fct_bridge/stripe_event`.
		 */
		do_action( 'fct_bridge/stripe_event/' . $type, $payload );

		return new WP_REST_Response( array( 'ok' => true ), 200 );
	}

	/**
	 * Use a verified request's nonce once: called only after the signature was checked, so unsigned
	 * requests cannot fill the options table.
	 *
	 * @param string $nonce The nonce verify_signed() returned.
	 * @return true|WP_Error WP_Error (409) when it was used before.
	 */
	public static function use_nonce( $nonce ) {
		$key = self::NONCE_PREFIX . $nonce;
		if ( false !== get_transient( $key ) ) {
			return new WP_Error( 'fct_bridge_replayed', __( 'This request was already received (nonce reused).', 'fct-bridge' ), array( 'status' => 409 ) );
		}
		set_transient( $key, 1, self::NONCE_TTL );
		return true;
	}

	/**
	 * Check the signature headers of a sidecar → WordPress request; the nonce's single use is checked
	 * by the caller (use_nonce()).
	 *
	 * @param WP_REST_Request $request Request.
	 * @param string          $body    Raw body.
	 * @return string|WP_Error The nonce, or WP_Error (401) saying what failed (never a secret).
	 */
	public static function verify_signed( $request, $body ) {
		if ( ! defined( 'FCT_BRIDGE_SECRET' ) || ! is_string( FCT_BRIDGE_SECRET ) || '' === FCT_BRIDGE_SECRET ) {
			return self::unauthorized( __( 'FCT_BRIDGE_SECRET is not defined in wp-config.php, so no notice can be verified.', 'fct-bridge' ) );
		}
		$timestamp = (string) $request->get_header( FCT_Bridge_Protocol::HEADER_TIMESTAMP );
		$nonce     = (string) $request->get_header( FCT_Bridge_Protocol::HEADER_NONCE );
		$user      = (string) $request->get_header( FCT_Bridge_Protocol::HEADER_USER );
		$signed_to = (string) $request->get_header( FCT_Bridge_Protocol::HEADER_SITE_URL );
		$signature = (string) $request->get_header( FCT_Bridge_Protocol::HEADER_SIGNATURE );
		if ( '' === $timestamp || '' === $nonce || '' === $user || '' === $signed_to || '' === $signature ) {
			return self::unauthorized( __( 'Unsigned request.', 'fct-bridge' ) );
		}
		if ( ! preg_match( '/^[0-9]{1,12}$/', $timestamp ) || ! preg_match( '/^[0-9a-f]{32}$/', $nonce ) || '0' !== $user ) {
			return self::unauthorized( __( 'Malformed signature headers.', 'fct-bridge' ) );
		}

		// The path and query exactly as received, as the sidecar does for the other direction.
		$path_qs   = isset( $_SERVER['REQUEST_URI'] ) ? (string) wp_unslash( $_SERVER['REQUEST_URI'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- compared as bytes, never output.
		// Only the sidecar → WordPress label verifies here: a plugin → sidecar request cannot pass as a notice.
		if ( ! FCT_Bridge_Protocol::verify( FCT_BRIDGE_SECRET, $signature, FCT_Bridge_Protocol::SIDECAR_TO_WORDPRESS, 'POST', $path_qs, $timestamp, $nonce, $user, $signed_to, $body ) ) {
			return self::unauthorized( __( 'Bad signature.', 'fct-bridge' ) );
		}
		if ( abs( time() - (int) $timestamp ) > self::MAX_SKEW ) {
			return self::unauthorized( __( 'Stale request: the timestamp is more than 300 seconds from this server\'s clock.', 'fct-bridge' ) );
		}
		return $nonce;
	}

	/**
	 * The notice's type and the payload handed to listeners.
	 *
	 * @param string $body Raw body.
	 * @return array|WP_Error `array( $type, $payload )`, or WP_Error (400).
	 */
	private static function parse( $body ) {
		$notice = json_decode( $body, true );
		$valid  = is_array( $notice )
			&& isset( $notice['type'], $notice['event_id'], $notice['mode'] )
			&& is_string( $notice['type'] ) && preg_match( '/^[a-z0-9_.]{1,100}$/', $notice['type'] )
			&& is_string( $notice['event_id'] ) && in_array( $notice['mode'], array( 'test', 'live' ), true );
		foreach ( array( 'order_ids', 'subscription_ids' ) as $list ) {
			$valid = $valid && isset( $notice[ $list ] ) && is_array( $notice[ $list ] );
		}
		if ( ! $valid ) {
			return new WP_Error( 'fct_bridge_invalid_notice', __( 'The body is not an fct-bridge event notice.', 'fct-bridge' ), array( 'status' => 400 ) );
		}
		$payload = array(
			'event_id'         => $notice['event_id'],
			'mode'             => $notice['mode'],
			'order_ids'        => array_values( array_map( 'intval', $notice['order_ids'] ) ),
			'subscription_ids' => array_values( array_map( 'intval', $notice['subscription_ids'] ) ),
		);
		return array( $notice['type'], $payload );
	}

	/**
	 * A 401 with a reason.
	 *
	 * @param string $message Why.
	 * @return WP_Error
	 */
	private static function unauthorized( $message ) {
		return new WP_Error( 'fct_bridge_unauthorized', $message, array( 'status' => 401 ) );
	}
}
