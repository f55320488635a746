<?php
/**
 * Router for PHP's built-in server (`php -S … -t SITE_DIR router.php`): emulates WordPress's
 * .htaccess rules, which the built-in server does not read.
 *
 * - An existing file, or a directory holding an index.php, is left to the built-in server
 *   (`return false`): static files are served, .php files run.
 * - Everything else (pretty permalinks, /wp-json/…, missing paths with a dot such as
 *   /wp-sitemap.xml) runs the docroot's index.php, as `RewriteRule . /index.php` would.
 *
 * The request body is never read here, so php://input stays intact for WordPress.
 */

if ( PHP_SAPI !== 'cli-server' ) {
	exit( 1 );
}

/**
 * What to do with the request: null to let the built-in server handle it, a URL to redirect to,
 * or the docroot's index.php to run. A function, so no helper variable leaks into WordPress's globals.
 */
function fct_router_decide( string $docroot, string $uri ): array {
	$path = rawurldecode( (string) parse_url( $uri, PHP_URL_PATH ) );
	if ( '' === $path || '/' === $path || str_contains( $path, "\0" ) ) {
		return array( 'index', null );
	}
	$real = realpath( $docroot . $path );
	// Only paths inside the docroot count as "existing"; anything else goes to WordPress (a 404).
	if ( false === $real || ( $real !== $docroot && ! str_starts_with( $real, $docroot . '/' ) ) ) {
		return array( 'index', null );
	}
	if ( is_file( $real ) ) {
		return array( 'serve', null );
	}
	if ( is_dir( $real ) && is_file( $real . '/index.php' ) ) {
		if ( ! str_ends_with( $path, '/' ) ) {
			// Apache's mod_dir adds the slash; without it wp-admin's relative links break.
			$query = parse_url( $uri, PHP_URL_QUERY );
			return array( 'redirect', rtrim( (string) parse_url( $uri, PHP_URL_PATH ), '/' ) . '/' . ( null === $query ? '' : '?' . $query ) );
		}
		return array( 'serve', null );
	}
	return array( 'index', null );
}

[ $fct_router_action, $fct_router_target ] = fct_router_decide(
	rtrim( (string) realpath( $_SERVER['DOCUMENT_ROOT'] ), '/' ),
	$_SERVER['REQUEST_URI'] ?? '/'
);

if ( 'serve' === $fct_router_action ) {
	return false;
}
if ( 'redirect' === $fct_router_action ) {
	header( 'Location: ' . $fct_router_target, true, 301 );
	return true;
}

unset( $fct_router_action, $fct_router_target );
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
chdir( $_SERVER['DOCUMENT_ROOT'] );
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
