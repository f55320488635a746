<?php
/**
 * Plugin Name: fct-bridge test/demo site: WordPress 6.1 shim for FluentCart
 * Description: For the project's test and demo sites only (installed by scripts/site.sh), never for a store.
 *
 * FluentCart 1.3.25 calls register_block_template() (WordPress 6.7) at theme setup whenever a block theme
 * is active; Debian's WordPress 6.1 lacks it, so every request would end in a fatal error. Registering no
 * template is harmless here: the test and demo sites never render FluentCart's category template.
 */

if ( ! function_exists( 'register_block_template' ) ) {
	function register_block_template( $template_name, $args = array() ) {
		return false;
	}
}
