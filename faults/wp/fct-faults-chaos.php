<?php
/**
 * Plugin Name: fct-bridge fault suite: WordPress failing mid-apply
 * Description: Installed by python -m faults.fluentcart on its own test site only, never on a store.
 *
 * While wp-content/fct-faults-chaos.json exists ({"p": share, "after_mail": share, "max": deaths}), a request to the
 * bridge's apply route dies (a 500, the PHP request ends, its open transaction is rolled back when the
 * connection closes) at random database queries: with probability p at any query on FluentCart's or the
 * bridge's tables, and with probability after_mail at the first such query after an e-mail went out in
 * the same request, the moment an e-mail sent inside an effect's transaction could go out twice.
 * Every death is recorded as one JSON line in wp-content/fct-faults-chaos.jsonl; after "max" of them, none.
 */

if ( false === strpos( (string) ( $_SERVER['REQUEST_URI'] ?? '' ), 'fct-bridge' ) || false === strpos( (string) ( $_SERVER['REQUEST_URI'] ?? '' ), 'apply' ) ) {
	return;
}
$fct_faults_flag = WP_CONTENT_DIR . '/fct-faults-chaos.json';
if ( ! is_file( $fct_faults_flag ) ) {
	return;
}
$fct_faults = json_decode( (string) file_get_contents( $fct_faults_flag ), true );
$fct_faults_log = WP_CONTENT_DIR . '/fct-faults-chaos.jsonl';
if ( ! is_array( $fct_faults ) || ( is_file( $fct_faults_log ) && count( file( $fct_faults_log ) ) >= (int) ( $fct_faults['max'] ?? 0 ) ) ) {
	return;
}
$GLOBALS['fct_faults_mailed'] = false;

/** Ends the request as a crash would, after recording where. */
function fct_faults_die( string $where ): void {
	file_put_contents( WP_CONTENT_DIR . '/fct-faults-chaos.jsonl', wp_json_encode( array( 'where' => $where, 'time' => microtime( true ) ) ) . "\n", FILE_APPEND | LOCK_EX );
	http_response_code( 500 );
	exit( 'fct-faults: died on purpose' );
}

add_action(
	'muplugins_loaded',
	static function () {
		// Registered after the offline mail recorder (same priority, later): it runs once the e-mail is recorded.
		add_filter(
			'pre_wp_mail',
			static function ( $short_circuit ) {
				$GLOBALS['fct_faults_mailed'] = true;
				return $short_circuit;
			},
			PHP_INT_MAX
		);
	}
);

add_filter(
	'query',
	static function ( $query ) use ( $fct_faults ) {
		if ( ! preg_match( '/fct_(orders|order_transactions|subscriptions|bridge_applied_effects|order_meta|customers)\b/', (string) $query ) ) {
			return $query;
		}
		$roll = mt_rand() / mt_getrandmax();
		if ( $GLOBALS['fct_faults_mailed'] ) {
			$GLOBALS['fct_faults_mailed'] = false;
			if ( $roll < (float) ( $fct_faults['after_mail'] ?? 0 ) ) {
				fct_faults_die( 'after an e-mail: ' . substr( (string) $query, 0, 60 ) );
			}
			return $query;
		}
		if ( $roll < (float) ( $fct_faults['p'] ?? 0 ) ) {
			fct_faults_die( substr( (string) $query, 0, 60 ) );
		}
		return $query;
	}
);
