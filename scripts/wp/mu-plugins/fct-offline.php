<?php
/**
 * Plugin Name: fct-bridge test/demo site: no outgoing mail, no external HTTP
 * Description: For the project's test and demo sites only (installed by scripts/site.sh), never for a store.
 *
 * FluentCart sends order e-mails and calls Stripe and its own servers. On a test or demo site nothing may
 * leave the machine: every e-mail is recorded instead of sent, and every HTTP request to a host other than
 * this machine is refused and recorded. Tests read the records (JSON lines in wp-content/) to count
 * e-mails and to prove that nothing called Stripe.
 */

/** Appends one JSON line to wp-content/fct-offline-<kind>.jsonl. */
function fct_offline_record( string $kind, array $entry ): void {
	$entry['time'] = microtime( true );
	// LOCK_EX: php -S workers record concurrently.
	file_put_contents( WP_CONTENT_DIR . "/fct-offline-$kind.jsonl", wp_json_encode( $entry ) . "\n", FILE_APPEND | LOCK_EX );
}

add_filter(
	'pre_wp_mail',
	static function ( $short_circuit, $atts ) {
		if ( null !== $short_circuit ) {
			return $short_circuit; // Taken by another filter (the bridge holds e-mails until its commit): not sent now.
		}
		fct_offline_record(
			'mail',
			array(
				'to'      => $atts['to'] ?? '',
				'subject' => $atts['subject'] ?? '',
			)
		);
		return true; // "Sent": FluentCart goes on as after a delivered e-mail.
	},
	PHP_INT_MAX,
	2
);

add_filter(
	'pre_http_request',
	static function ( $response, $args, $url ) {
		if ( false !== $response ) {
			return $response; // A test answered it already.
		}
		$host = (string) wp_parse_url( $url, PHP_URL_HOST );
		if ( in_array( $host, array( '127.0.0.1', 'localhost', '::1', '[::1]' ), true ) ) {
			return $response;
		}
		fct_offline_record(
			'http',
			array(
				'method' => $args['method'] ?? 'GET',
				'url'    => $url,
			)
		);
		return new WP_Error( 'fct_offline', "test/demo site: no external HTTP ($host)" );
	},
	PHP_INT_MAX,
	3
);
