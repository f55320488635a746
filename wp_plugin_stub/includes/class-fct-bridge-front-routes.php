<?php
/**
 * FluentCart-compatible front routes, forwarded to the sidecar.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Answers the two FluentCart Stripe front routes (docs/protocol.md, "Front routes"):
 *
 * - `/?fluent-cart=fct_payment_listener_ipn&method=stripe`: Stripe webhooks, forwarded unchanged;
 * - `/?fluent-cart=stripe_connect`: Stripe Connect returns, forwarded as a signed admin request.
 *
 * Hooked on `init` at priority 1, before FluentCart's own handler, so the bridge answers these
 * URLs even when FluentCart is active. Every other request is left alone.
 */
class FCT_Bridge_Front_Routes {

	/** Query arguments of a Connect return that are forwarded to the sidecar. */
	const CONNECT_ARGS = array( 'code', 'state', 'error', 'error_description', 'scope' );

	/**
	 * Dispatch on `?fluent-cart=…` (on `init`).
	 */
	public static function handle_request() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- Stripe and the OAuth return cannot send a WordPress nonce; Stripe's signature and the OAuth state are checked by the sidecar.
		if ( ! isset( $_GET['fluent-cart'] ) || ! is_string( $_GET['fluent-cart'] ) ) {
			return;
		}
		$page   = sanitize_key( wp_unslash( $_GET['fluent-cart'] ) );
		$method = isset( $_GET['method'] ) && is_string( $_GET['method'] ) ? sanitize_key( wp_unslash( $_GET['method'] ) ) : '';
		// phpcs:enable

		if ( 'fct_payment_listener_ipn' === $page && 'stripe' === $method ) {
			self::handle_webhook();
		} elseif ( 'stripe_connect' === $page ) {
			self::handle_connect_return();
		}
	}

	/**
	 * Forward a Stripe webhook to the sidecar and answer with the sidecar's status and body.
	 */
	private static function handle_webhook() {
		$request_method = isset( $_SERVER['REQUEST_METHOD'] ) ? strtoupper( sanitize_key( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) ) : '';
		if ( 'POST' !== $request_method ) {
			header( 'Allow: POST' );
			self::send_json( 405, array( 'message' => 'Only POST is accepted here.' ) );
		}

		// The body must reach the sidecar byte for byte: Stripe's signature covers these exact bytes,
		// so no wp_unslash(), no trimming, no re-encoding.
		$raw_body = file_get_contents( 'php://input' );
		if ( false === $raw_body ) {
			$raw_body = '';
		}

		// Headers are forwarded unchanged too. WordPress adds slashes to $_SERVER, so wp_unslash()
		// restores the original value; only control characters (never valid in a header) are removed.
		$signature    = isset( $_SERVER['HTTP_STRIPE_SIGNATURE'] ) ? self::header_value( wp_unslash( $_SERVER['HTTP_STRIPE_SIGNATURE'] ) ) : null; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- sanitized by header_value().
		$content_type = null;
		foreach ( array( 'CONTENT_TYPE', 'HTTP_CONTENT_TYPE' ) as $key ) {
			if ( null === $content_type && isset( $_SERVER[ $key ] ) ) {
				$content_type = self::header_value( wp_unslash( $_SERVER[ $key ] ) ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- sanitized by header_value().
			}
		}

		$client = new FCT_Bridge_Client();
		$result = $client->forward_webhook( $raw_body, $signature, $content_type );
		if ( is_wp_error( $result ) ) {
			self::send_json( 503, array( 'message' => 'Stripe bridge unavailable; Stripe will retry.' ) );
		}

		nocache_headers();
		status_header( $result['status'] );
		header( 'Content-Type: ' . self::header_value( $result['content_type'] ) );
		echo $result['body']; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- the sidecar's response to Stripe, passed through unchanged with its own content type.
		exit;
	}

	/**
	 * Forward a Stripe Connect return to the sidecar, then send the admin back to the settings page.
	 */
	private static function handle_connect_return() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die(
				esc_html__( 'You are not allowed to connect a Stripe account. Log in as an administrator and try again.', 'fct-bridge' ),
				esc_html__( 'Stripe Connect', 'fct-bridge' ),
				array( 'response' => 403 )
			);
		}

		$args = array();
		foreach ( self::CONNECT_ARGS as $name ) {
			// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- the OAuth state is verified by the sidecar.
			if ( isset( $_GET[ $name ] ) && is_string( $_GET[ $name ] ) ) {
				$args[ $name ] = sanitize_text_field( wp_unslash( $_GET[ $name ] ) ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
			}
		}

		$client = new FCT_Bridge_Client();
		$result = $client->admin_request( 'POST', '/admin/v1/stripe/connect/callback', (object) $args );
		$code   = self::notice_code( $result );
		$query  = array(
			'page'       => FCT_Bridge_Admin_Page::STRIPE_SLUG,
			'fct_notice' => $code,
		);
		if ( 'connected' === $code ) {
			$query['fct_mode'] = is_object( $result['body'] ) && isset( $result['body']->mode ) && 'live' === $result['body']->mode ? 'live' : 'test';
		}

		// Only a fixed code and mode travel in the URL: the page words them itself (issue 11, item 9).
		$target = add_query_arg( $query, admin_url( 'admin.php' ) );
		wp_safe_redirect( $target );
		exit;
	}

	/**
	 * The fixed notice code for the sidecar's answer to a Connect return.
	 *
	 * @param array|WP_Error $result The sidecar's answer.
	 * @return string One of FCT_Bridge_Admin_Page::NOTICE_CODES.
	 */
	private static function notice_code( $result ) {
		if ( is_wp_error( $result ) ) {
			return 'bridge_unavailable';
		}
		if ( $result['status'] >= 200 && $result['status'] < 300 ) {
			return 'connected';
		}
		$error = is_object( $result['body'] ) && isset( $result['body']->error ) && is_string( $result['body']->error ) ? $result['body']->error : '';
		$codes = array(
			'connect_denied'       => 'connect_denied',
			'oauth_state_rejected' => 'connect_link_refused',
			'not_configured'       => 'connect_not_configured',
		);
		return isset( $codes[ $error ] ) ? $codes[ $error ] : 'connect_failed';
	}

	/**
	 * A header value without control characters (CR/LF would split headers).
	 *
	 * @param mixed $value Raw header value.
	 * @return string
	 */
	private static function header_value( $value ) {
		return (string) preg_replace( '/[\x00-\x1F\x7F]/', '', (string) $value );
	}

	/**
	 * Send a JSON answer and stop.
	 *
	 * @param int   $status HTTP status.
	 * @param array $data   Body.
	 */
	private static function send_json( $status, $data ) {
		nocache_headers();
		status_header( $status );
		header( 'Content-Type: application/json; charset=utf-8' );
		echo wp_json_encode( $data );
		exit;
	}
}
