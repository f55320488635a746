<?php
/**
 * HTTP client for the fct-bridge sidecar.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sends signed admin requests to the sidecar (docs/protocol.md, "Signed admin requests") and
 * forwards Stripe webhooks unchanged.
 *
 * Every failure comes back as a WP_Error carrying an HTTP `status` in its data, so REST callbacks
 * can return it as is. Sidecar answers (including its own JSON errors) come back as
 * `array( 'status' => int, 'body' => mixed )` so they pass through with their status.
 *
 * FCT_BRIDGE_SECRET is only ever used as the HMAC key: it is never logged, echoed or returned.
 */
class FCT_Bridge_Client {

	/** Seconds to wait for an admin request. */
	const ADMIN_TIMEOUT = 10;

	/**
	 * Seconds to wait for a webhook to be handled. Longer than the admin timeout because the sidecar
	 * may call Stripe while handling an event; Stripe itself gives up after about 30 s and retries.
	 */
	const WEBHOOK_TIMEOUT = 25;

	/**
	 * Send a signed request to the sidecar's admin API.
	 *
	 * @param string            $method HTTP method (GET, POST, PUT, …).
	 * @param string            $path   Path and query, starting with `/admin/v1/`.
	 * @param array|object|null $json   Body, JSON-encoded with wp_json_encode; null for no body.
	 * @param int               $timeout Seconds to wait (longer for actions that call Stripe or the public URL).
	 * @return array|WP_Error `array( 'status' => int, 'body' => mixed )` (body decoded with JSON
	 *                        objects kept as objects, so `{}` stays `{}`), or WP_Error with a status.
	 */
	public function admin_request( $method, $path, $json = null, $timeout = self::ADMIN_TIMEOUT ) {
		$config = self::config();
		if ( is_wp_error( $config ) ) {
			return $config;
		}

		$method = strtoupper( $method );
		$body   = '';
		if ( null !== $json ) {
			$body = wp_json_encode( $json );
			if ( false === $body ) {
				return new WP_Error( 'fct_bridge_invalid_body', __( 'The request could not be encoded as JSON.', 'fct-bridge' ), array( 'status' => 400 ) );
			}
		}

		$url       = $config['url'] . $path;
		$parts     = wp_parse_url( $url );
		$path_qs   = ( $parts['path'] ?? '/' ) . ( isset( $parts['query'] ) ? '?' . $parts['query'] : '' );
		$timestamp = (string) time();
		$nonce     = bin2hex( random_bytes( 16 ) );
		$user      = (string) get_current_user_id();
		$site_url  = untrailingslashit( site_url() );

		// The direction label keeps this signature from ever passing as a sidecar → WordPress notice.
		$headers = array( 'Accept' => 'application/json' ) + FCT_Bridge_Protocol::headers(
			$config['secret'],
			FCT_Bridge_Protocol::PLUGIN_TO_SIDECAR,
			$method,
			$path_qs,
			$timestamp,
			$nonce,
			$user,
			$site_url,
			$body
		);
		if ( '' !== $body ) {
			$headers['Content-Type'] = 'application/json';
		}

		$response = wp_remote_request(
			$url,
			array(
				'method'             => $method,
				'headers'            => $headers,
				'body'               => '' === $body ? null : $body,
				'timeout'            => (int) $timeout,
				'redirection'        => 0,
				// The sidecar listens on loopback, which WordPress treats as unsafe by default.
				'reject_unsafe_urls' => false,
			)
		);

		return self::decode( $response, $config['url'] );
	}

	/**
	 * Forward a Stripe webhook to `POST {FCT_BRIDGE_URL}/webhooks/stripe` byte for byte.
	 *
	 * No HMAC is added: Stripe's own `Stripe-Signature` protects the body, and the sidecar verifies it.
	 *
	 * @param string      $raw_body     The request body exactly as received.
	 * @param string|null $signature    The Stripe-Signature header, or null when absent.
	 * @param string|null $content_type The Content-Type header, or null when absent.
	 * @return array|WP_Error `array( 'status' => int, 'body' => string, 'content_type' => string )`,
	 *                        or WP_Error (status 503) when the sidecar cannot be reached.
	 */
	public function forward_webhook( $raw_body, $signature, $content_type ) {
		$url = self::bridge_url();
		if ( is_wp_error( $url ) ) {
			return new WP_Error( 'fct_bridge_unavailable', $url->get_error_message(), array( 'status' => 503 ) );
		}

		$headers = array();
		if ( null !== $signature ) {
			$headers['Stripe-Signature'] = $signature;
		}
		if ( null !== $content_type ) {
			$headers['Content-Type'] = $content_type;
		}

		$response = wp_remote_request(
			$url . '/webhooks/stripe',
			array(
				'method'             => 'POST',
				'headers'            => $headers,
				'body'               => $raw_body,
				'timeout'            => self::WEBHOOK_TIMEOUT,
				'redirection'        => 0,
				'reject_unsafe_urls' => false,
			)
		);
		if ( is_wp_error( $response ) ) {
			return self::unreachable( $url, $response );
		}

		$type = wp_remote_retrieve_header( $response, 'content-type' );
		if ( is_array( $type ) ) {
			$type = reset( $type );
		}
		return array(
			'status'       => (int) wp_remote_retrieve_response_code( $response ),
			'body'         => wp_remote_retrieve_body( $response ),
			'content_type' => '' !== (string) $type ? (string) $type : 'application/json; charset=utf-8',
		);
	}

	/**
	 * The sidecar's base URL and shared secret from wp-config.php.
	 *
	 * @return array|WP_Error `array( 'url' => string, 'secret' => string )`, or WP_Error (status 500)
	 *                        naming the missing constant (never its value).
	 */
	public static function config() {
		$url = self::bridge_url();
		if ( is_wp_error( $url ) ) {
			return $url;
		}
		if ( ! defined( 'FCT_BRIDGE_SECRET' ) || ! is_string( FCT_BRIDGE_SECRET ) || '' === FCT_BRIDGE_SECRET ) {
			return new WP_Error(
				'fct_bridge_not_configured',
				__( 'FCT_BRIDGE_SECRET is not defined in wp-config.php. Define it with the same value the Stripe bridge service reads, then reload this page.', 'fct-bridge' ),
				array( 'status' => 500 )
			);
		}
		return array(
			'url'    => $url,
			'secret' => FCT_BRIDGE_SECRET,
		);
	}

	/**
	 * The sidecar's base URL (FCT_BRIDGE_URL without a trailing slash).
	 *
	 * @return string|WP_Error The URL, or WP_Error (status 500) when the constant is missing or not http(s).
	 */
	public static function bridge_url() {
		if ( ! defined( 'FCT_BRIDGE_URL' ) || ! is_string( FCT_BRIDGE_URL ) || '' === FCT_BRIDGE_URL ) {
			return new WP_Error(
				'fct_bridge_not_configured',
				__( "FCT_BRIDGE_URL is not defined in wp-config.php. Define it as the address of the Stripe bridge service, e.g. define( 'FCT_BRIDGE_URL', 'http://127.0.0.1:8787' );", 'fct-bridge' ),
				array( 'status' => 500 )
			);
		}
		$scheme = wp_parse_url( FCT_BRIDGE_URL, PHP_URL_SCHEME );
		if ( 'http' !== $scheme && 'https' !== $scheme ) {
			return new WP_Error(
				'fct_bridge_not_configured',
				__( 'FCT_BRIDGE_URL in wp-config.php must be an http:// or https:// URL.', 'fct-bridge' ),
				array( 'status' => 500 )
			);
		}
		return untrailingslashit( FCT_BRIDGE_URL );
	}

	/**
	 * Turn a wp_remote_request() result into the client's return shape.
	 *
	 * @param array|WP_Error $response Result of wp_remote_request().
	 * @param string         $base_url The sidecar's base URL, for messages.
	 * @return array|WP_Error
	 */
	private static function decode( $response, $base_url ) {
		if ( is_wp_error( $response ) ) {
			return self::unreachable( $base_url, $response );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$raw    = wp_remote_retrieve_body( $response );
		$body   = null;
		if ( '' !== $raw ) {
			$body = json_decode( $raw );
			if ( null === $body && JSON_ERROR_NONE !== json_last_error() ) {
				return new WP_Error(
					'fct_bridge_bad_response',
					/* translators: 1: sidecar URL, 2: HTTP status code. */
					sprintf( __( 'The Stripe bridge service at %1$s sent a response that is not JSON (HTTP %2$d). Check that FCT_BRIDGE_URL points to the bridge and not to another server.', 'fct-bridge' ), self::display_url( $base_url ), $status ),
					array( 'status' => 502 )
				);
			}
		}
		return array(
			'status' => $status,
			'body'   => $body,
		);
	}

	/**
	 * The 503 error for a sidecar that could not be reached (refused, timed out, blocked).
	 *
	 * @param string   $base_url The sidecar's base URL.
	 * @param WP_Error $error    The transport error from WordPress.
	 * @return WP_Error
	 */
	private static function unreachable( $base_url, $error ) {
		return new WP_Error(
			'fct_bridge_unavailable',
			sprintf(
				/* translators: 1: sidecar URL, 2: transport error message. */
				__( 'The Stripe bridge service is not reachable at %1$s. Check that it is running and that FCT_BRIDGE_URL in wp-config.php points to it. (%2$s)', 'fct-bridge' ),
				self::display_url( $base_url ),
				$error->get_error_message()
			),
			array( 'status' => 503 )
		);
	}

	/**
	 * A URL safe to show: any user:password part is removed.
	 *
	 * @param string $url URL.
	 * @return string
	 */
	private static function display_url( $url ) {
		return (string) preg_replace( '#^([a-z][a-z0-9+.-]*://)[^/@]*@#i', '$1', $url );
	}
}
