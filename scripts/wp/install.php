<?php
/**
 * Headless WordPress install for scripts/site.sh: what `wp core install` + `wp plugin activate`
 * would do, since wp-cli is not packaged for Debian.
 *
 * Usage: php install.php SITE_DIR URL ADMIN_USER ADMIN_PASSWORD ADMIN_EMAIL [SUBSCRIBER_USER SUBSCRIBER_PASSWORD]
 *
 * Idempotent: installs only when WordPress is not installed yet, makes the given users exist with the
 * given passwords, sets pretty permalinks, activates the plugin (FCT_PLUGIN_FILE, default
 * fct-bridge/fct-bridge.php) and prints {"installed": bool, "active_plugins": [...], "users": {...}}
 * on stdout. "installed" is true when this run installed WordPress. Errors go to stderr, exit 1.
 *
 * WordPress's own variables are globals, so this file runs at global scope and prefixes its own.
 */

if ( PHP_SAPI !== 'cli' ) {
	http_response_code( 403 );
	exit( "This script runs from the command line only.\n" );
}
if ( $argc !== 6 && $argc !== 8 ) {
	fwrite( STDERR, "usage: php install.php SITE_DIR URL ADMIN_USER ADMIN_PASSWORD ADMIN_EMAIL [SUBSCRIBER_USER SUBSCRIBER_PASSWORD]\n" );
	exit( 2 );
}

function fct_install_fail( string $message ): void {
	$GLOBALS['fct_install_finished'] = true;
	fwrite( STDERR, "install.php: $message\n" );
	exit( 1 );
}

/**
 * WordPress reports fatal conditions (a bad $table_prefix, no database) with wp_die(), which prints
 * an HTML page and exits with status 0. Catch that: anything that ends the script early is a failure,
 * reported on stderr as one line of text.
 */
function fct_install_on_shutdown(): void {
	if ( ! empty( $GLOBALS['fct_install_finished'] ) ) {
		return;
	}
	$output = '';
	while ( ob_get_level() > 0 ) {
		$output = ob_get_clean() . $output;
	}
	$output = preg_replace( '#<(head|style|script)\b.*?</\1>#si', '', $output );
	$output = trim( preg_replace( '/\s+/', ' ', html_entity_decode( strip_tags( $output ) ) ) );
	fwrite( STDERR, 'install.php: WordPress stopped early' . ( '' === $output ? '' : ": $output" ) . "\n" );
	exit( 1 );
}

$fct_site_dir = rtrim( $argv[1], '/' );
$fct_url      = rtrim( $argv[2], '/' );
$fct_parts    = parse_url( $fct_url );
if ( ! is_file( $fct_site_dir . '/wp-load.php' ) || ! is_file( $fct_site_dir . '/wp-config.php' ) ) {
	fct_install_fail( "$fct_site_dir has no wp-load.php or wp-config.php" );
}
if ( empty( $fct_parts['host'] ) ) {
	fct_install_fail( "not a URL: $fct_url" );
}

// WordPress reads the request's host even on the command line (URLs, cookies, wp_guess_url()).
$_SERVER['HTTP_HOST']       = $fct_parts['host'] . ( isset( $fct_parts['port'] ) ? ':' . $fct_parts['port'] : '' );
$_SERVER['SERVER_NAME']     = $fct_parts['host'];
$_SERVER['SERVER_PORT']     = (string) ( $fct_parts['port'] ?? 80 );
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';

define( 'WP_INSTALLING', true );

/** Pluggable: defined before WordPress loads so that installing sends no mail. */
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {
}

$fct_install_finished = false;
register_shutdown_function( 'fct_install_on_shutdown' );
ob_start();
require $fct_site_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

/** Makes LOGIN exist with ROLE and PASSWORD; returns what changed. */
function fct_install_user( string $login, string $password, string $email, string $role ): string {
	$user = get_user_by( 'login', $login );
	if ( ! $user ) {
		$id = wp_insert_user(
			array(
				'user_login' => $login,
				'user_pass'  => $password,
				'user_email' => $email,
				'role'       => $role,
			)
		);
		if ( is_wp_error( $id ) ) {
			fct_install_fail( "cannot create user $login: " . $id->get_error_message() );
		}
		return 'created';
	}
	$changes = array();
	if ( ! in_array( $role, (array) $user->roles, true ) ) {
		$user->set_role( $role );
		$changes[] = 'role set';
	}
	// Keep the password the scripts print true, even if someone changed it in wp-admin.
	if ( ! wp_check_password( $password, $user->user_pass, $user->ID ) ) {
		wp_set_password( $password, $user->ID );
		$changes[] = 'password reset';
	}
	return $changes ? implode( ', ', $changes ) : 'unchanged';
}

$fct_installed_now = false;
if ( ! is_blog_installed() ) {
	$fct_result = wp_install( 'fct-bridge ' . $_SERVER['HTTP_HOST'], $argv[3], $argv[5], true, '', wp_slash( $argv[4] ) );
	if ( empty( $fct_result['user_id'] ) ) {
		fct_install_fail( 'wp_install() did not create the administrator' );
	}
	$fct_installed_now = true;
}

$fct_users = array( $argv[3] => fct_install_user( $argv[3], $argv[4], $argv[5], 'administrator' ) );
if ( $fct_installed_now ) {
	$fct_users[ $argv[3] ] = 'created';
}
if ( 8 === $argc ) {
	$fct_users[ $argv[6] ] = fct_install_user( $argv[6], $argv[7], $argv[6] . '@example.com', 'subscriber' );
}

// Pretty permalinks, so /wp-json/… works. Plugins are not loaded while WP_INSTALLING, so rather than
// building the rules now (without theirs), empty them: the first real request rebuilds them in full,
// which is what flush_rewrite_rules() does on the next load anyway.
global $wp_rewrite;
if ( '/%postname%/' !== get_option( 'permalink_structure' ) ) {
	$wp_rewrite->set_permalink_structure( '/%postname%/' );
}
update_option( 'rewrite_rules', '' );

$fct_plugin = getenv( 'FCT_PLUGIN_FILE' ) ?: 'fct-bridge/fct-bridge.php';
$fct_result = activate_plugin( $fct_plugin );
if ( is_wp_error( $fct_result ) ) {
	fct_install_fail( "cannot activate $fct_plugin: " . $fct_result->get_error_message() );
}

// Whatever WordPress or the plugin printed while loading is not ours to pass on as JSON.
$fct_noise = '';
while ( ob_get_level() > 0 ) {
	$fct_noise = ob_get_clean() . $fct_noise;
}
if ( '' !== trim( $fct_noise ) ) {
	fwrite( STDERR, 'install.php: output while loading WordPress: ' . trim( $fct_noise ) . "\n" );
}
$fct_install_finished = true;
echo wp_json_encode(
	array(
		'installed'      => $fct_installed_now,
		'active_plugins' => array_values( (array) get_option( 'active_plugins', array() ) ),
		'users'          => $fct_users,
	)
), "\n";
