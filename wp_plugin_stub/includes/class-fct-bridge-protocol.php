<?php
/**
 * The plugin protocol shared with the sidecar.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The signed string, the signature and the header names of docs/protocol.md, for both directions:
 * the plugin's admin requests to the sidecar (FCT_Bridge_Client) and the sidecar's notices to
 * WordPress (FCT_Bridge_Events_Route). The sidecar's counterpart is bridge/plugin_protocol.py.
 *
 * Each direction has its own label in the signed string, so a request signed for one can never pass
 * as the other. The secret is only ever used as the HMAC key.
 */
class FCT_Bridge_Protocol {

	/** Version of the scheme: the first field of the signed string and the signature's prefix. */
	const SCHEME = 'v1';

	/** Direction label of admin requests (plugin → sidecar). */
	const PLUGIN_TO_SIDECAR = 'plugin-to-sidecar';

	/** Direction label of event notices (sidecar → WordPress). */
	const SIDECAR_TO_WORDPRESS = 'sidecar-to-wordpress';

	const HEADER_TIMESTAMP = 'X-FCT-Timestamp';
	const HEADER_NONCE     = 'X-FCT-Nonce';
	const HEADER_USER      = 'X-FCT-User';
	const HEADER_SITE_URL  = 'X-FCT-Site-Url';
	const HEADER_SIGNATURE = 'X-FCT-Signature';

	/**
	 * The string both sides sign.
	 *
	 * @param string $direction One of the direction labels.
	 * @param string $method    HTTP method (upper case).
	 * @param string $path_qs   Path and query as sent.
	 * @param string $timestamp Unix time, decimal.
	 * @param string $nonce     32 hex digits.
	 * @param string $user      Acting WordPress user id ('0' for notices).
	 * @param string $site_url  The site URL header.
	 * @param string $body      Raw body.
	 * @return string
	 */
	public static function canonical( $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body ) {
		return implode( "\n", array( self::SCHEME, $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, hash( 'sha256', $body ) ) );
	}

	/**
	 * The signature header's value for these fields.
	 *
	 * @param string $secret FCT_BRIDGE_SECRET.
	 * @param string $direction One of the direction labels.
	 * @param string $method    HTTP method (upper case).
	 * @param string $path_qs   Path and query as sent.
	 * @param string $timestamp Unix time, decimal.
	 * @param string $nonce     32 hex digits.
	 * @param string $user      Acting WordPress user id.
	 * @param string $site_url  The site URL header.
	 * @param string $body      Raw body.
	 * @return string
	 */
	public static function sign( $secret, $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body ) {
		$canonical = self::canonical( $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body );
		return self::SCHEME . '=' . hash_hmac( 'sha256', $canonical, $secret );
	}

	/**
	 * Whether a received signature is the one these fields give, compared in constant time.
	 *
	 * @param string $secret    FCT_BRIDGE_SECRET.
	 * @param string $signature The signature header as received.
	 * @param string $direction One of the direction labels.
	 * @param string $method    HTTP method (upper case).
	 * @param string $path_qs   Path and query as received.
	 * @param string $timestamp Unix time, decimal.
	 * @param string $nonce     32 hex digits.
	 * @param string $user      User id header.
	 * @param string $site_url  The site URL header.
	 * @param string $body      Raw body.
	 * @return bool
	 */
	public static function verify( $secret, $signature, $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body ) {
		return hash_equals( self::sign( $secret, $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body ), $signature );
	}

	/**
	 * The five signature headers of a request.
	 *
	 * @param string $secret FCT_BRIDGE_SECRET.
	 * @param string $direction One of the direction labels.
	 * @param string $method    HTTP method (upper case).
	 * @param string $path_qs   Path and query as sent.
	 * @param string $timestamp Unix time, decimal.
	 * @param string $nonce     32 hex digits.
	 * @param string $user      Acting WordPress user id.
	 * @param string $site_url  The site URL header.
	 * @param string $body      Raw body.
	 * @return array<string, string>
	 */
	public static function headers( $secret, $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body ) {
		return array(
			self::HEADER_TIMESTAMP => $timestamp,
			self::HEADER_NONCE     => $nonce,
			self::HEADER_USER      => $user,
			self::HEADER_SITE_URL  => $site_url,
			self::HEADER_SIGNATURE => self::sign( $secret, $direction, $method, $path_qs, $timestamp, $nonce, $user, $site_url, $body ),
		);
	}
}
