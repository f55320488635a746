<?php
/**
 * Admin menus and pages.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The "Settings" page (Payment Settings list) and the Stripe settings page.
 *
 * Without FluentCart the pages live under a top-level "FluentCart" menu; with FluentCart active they
 * are added to FluentCart's own `fluent-cart` menu. The Stripe page is a shell: assets/stripe-settings.js
 * renders it from `GET /wp-json/fct-bridge/v1/stripe/settings`.
 */
class FCT_Bridge_Admin_Page {

	/** Slug of the Settings page (and of the top-level menu without FluentCart). */
	const MENU_SLUG = 'fct-bridge';

	/** Slug of the Stripe settings page. */
	const STRIPE_SLUG = 'fct-bridge-stripe';

	/** FluentCart's own admin menu slug. */
	const FLUENTCART_MENU_SLUG = 'fluent-cart';

	/** The notices a Connect return may ask for; assets/stripe-settings.js words each. */
	const NOTICE_CODES = array( 'connected', 'connect_denied', 'connect_link_refused', 'connect_not_configured', 'connect_failed', 'bridge_unavailable' );

	/** Capability required for every page. */
	const CAPABILITY = 'manage_options';

	/**
	 * Whether FluentCart itself is active.
	 *
	 * @return bool
	 */
	public static function fluentcart_active() {
		return defined( 'FLUENTCART_VERSION' ) || class_exists( 'FluentCart\App\App' );
	}

	/** FluentCart's own script handle that creates its admin JS hooks (`$slug . '_global_admin_hooks'`). */
	const FLUENTCART_HOOKS_HANDLE = 'fluent-cart_global_admin_hooks';

	/**
	 * Register the menus (on `admin_menu`, late so FluentCart's parent menu exists).
	 *
	 * With FluentCart active, FluentCart's own Settings › Payment Settings › Stripe › Manage leads to the
	 * Stripe page (assets/fluentcart-route.js), so the page is registered without a menu entry of its own:
	 * no second payment-settings list, no second Stripe entry.
	 */
	public function register_menus() {
		if ( self::fluentcart_active() ) {
			// Parent '': a registered page without a menu entry.
			add_submenu_page( '', __( 'Stripe', 'fct-bridge' ), __( 'Stripe', 'fct-bridge' ), self::CAPABILITY, self::STRIPE_SLUG, array( $this, 'render_stripe_page' ) );
			return;
		}

		add_menu_page( __( 'FluentCart', 'fct-bridge' ), __( 'FluentCart', 'fct-bridge' ), self::CAPABILITY, self::MENU_SLUG, array( $this, 'render_settings_page' ), 'dashicons-cart', 56 );
		// Same slug as the parent: renames the first submenu entry to "Settings".
		add_submenu_page( self::MENU_SLUG, __( 'Settings', 'fct-bridge' ), __( 'Settings', 'fct-bridge' ), self::CAPABILITY, self::MENU_SLUG, array( $this, 'render_settings_page' ) );
		add_submenu_page( self::MENU_SLUG, __( 'Stripe', 'fct-bridge' ), __( 'Stripe', 'fct-bridge' ), self::CAPABILITY, self::STRIPE_SLUG, array( $this, 'render_stripe_page' ) );
	}

	/**
	 * The admin page being shown (`?page=`), or ''.
	 *
	 * @return string
	 */
	private static function current_page() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- read-only page selection.
		return isset( $_GET['page'] ) && is_string( $_GET['page'] ) ? sanitize_key( wp_unslash( $_GET['page'] ) ) : '';
	}

	/**
	 * Enqueue the stylesheet on both pages and the script (with a `wp_rest` nonce) on the Stripe page.
	 *
	 * Matched on `?page=` rather than the hook suffix, which depends on the parent menu's title.
	 */
	public function enqueue_assets() {
		$page = self::current_page();
		if ( self::MENU_SLUG !== $page && self::STRIPE_SLUG !== $page ) {
			return;
		}
		$base = plugin_dir_url( FCT_BRIDGE_PLUGIN_FILE ) . 'assets/';
		wp_enqueue_style( 'fct-bridge-stripe-settings', $base . 'stripe-settings.css', array(), FCT_BRIDGE_VERSION );
		if ( self::STRIPE_SLUG !== $page ) {
			return;
		}

		wp_enqueue_script( 'fct-bridge-stripe-webhooks', $base . 'stripe-webhooks.js', array(), FCT_BRIDGE_VERSION, true );
		wp_enqueue_script( 'fct-bridge-stripe-settings', $base . 'stripe-settings.js', array( 'fct-bridge-stripe-webhooks' ), FCT_BRIDGE_VERSION, true );
		$data = array(
			'restUrl'     => esc_url_raw( rest_url( FCT_Bridge_REST_Controller::REST_NAMESPACE . '/' ) ),
			'nonce'       => wp_create_nonce( 'wp_rest' ),
			'overviewUrl' => esc_url_raw( self::payment_settings_url() ),
			'notice'      => self::redirect_notice(),
		);
		wp_add_inline_script( 'fct-bridge-stripe-settings', 'window.fctBridgeStripe = ' . wp_json_encode( $data ) . ';', 'before' );
	}

	/**
	 * On FluentCart's admin app (its `fluent_cart/loading_app` action, fired before its scripts are
	 * enqueued): the route filter that sends Stripe's Manage to the bridge's Stripe page.
	 */
	public function enqueue_fluentcart_route() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		$base = plugin_dir_url( FCT_BRIDGE_PLUGIN_FILE ) . 'assets/';
		wp_enqueue_script( 'fct-bridge-fluentcart-route', $base . 'fluentcart-route.js', array( self::FLUENTCART_HOOKS_HANDLE ), FCT_BRIDGE_VERSION, true );
		$data = array( 'stripeUrl' => esc_url_raw( admin_url( 'admin.php?page=' . self::STRIPE_SLUG ) ) );
		wp_add_inline_script( 'fct-bridge-fluentcart-route', 'window.fctBridgeFluentCart = ' . wp_json_encode( $data ) . ';', 'before' );
	}

	/**
	 * The browser title of the Stripe page, which WordPress cannot take from a menu entry it does not have.
	 *
	 * @param string $admin_title The title WordPress built.
	 * @return string
	 */
	public static function admin_title( $admin_title ) {
		if ( self::fluentcart_active() && self::STRIPE_SLUG === self::current_page() ) {
			return __( 'Stripe', 'fct-bridge' ) . ' ' . $admin_title;
		}
		return $admin_title;
	}

	/**
	 * Where "Payment Settings" leads: FluentCart's own list when it is active, else the bridge's.
	 *
	 * @return string
	 */
	public static function payment_settings_url() {
		if ( self::fluentcart_active() ) {
			return admin_url( 'admin.php?page=' . self::FLUENTCART_MENU_SLUG . '#/settings/payments' );
		}
		return admin_url( 'admin.php?page=' . self::MENU_SLUG );
	}

	/**
	 * The notice a Connect return asked for (`&fct_notice=<code>&fct_mode=test|live`), or null.
	 *
	 * Only codes from NOTICE_CODES are accepted; the page has its own words for each, so a link cannot
	 * put text into the page.
	 *
	 * @return array|null `array( 'code' => string, 'mode' => 'test'|'live'|'' )`.
	 */
	private static function redirect_notice() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only: a fixed code picks a fixed text.
		if ( ! isset( $_GET['fct_notice'] ) || ! is_string( $_GET['fct_notice'] ) ) {
			return null;
		}
		$code = sanitize_key( wp_unslash( $_GET['fct_notice'] ) );
		if ( ! in_array( $code, self::NOTICE_CODES, true ) ) {
			return null;
		}
		$mode = isset( $_GET['fct_mode'] ) && is_string( $_GET['fct_mode'] ) ? sanitize_key( wp_unslash( $_GET['fct_mode'] ) ) : '';
		// phpcs:enable
		return array(
			'code' => $code,
			'mode' => in_array( $mode, array( 'test', 'live' ), true ) ? $mode : '',
		);
	}

	/**
	 * WordPress removes these from the address bar once the page is shown (`wp_admin_canonical_url`),
	 * so a reload does not show the Connect notice again.
	 *
	 * @param string[] $args Removable query arguments.
	 * @return string[]
	 */
	public static function removable_query_args( $args ) {
		return array_merge( $args, array( 'fct_notice', 'fct_mode', 'fct_message' ) );
	}

	/**
	 * The "Settings" page: a Payment Settings list with Stripe's state and a Manage link.
	 */
	public function render_settings_page() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'fct-bridge' ), 403 );
		}
		$state      = self::stripe_state();
		$manage_url = admin_url( 'admin.php?page=' . self::STRIPE_SLUG );
		?>
		<div class="wrap fct-bridge-wrap">
			<h1><?php esc_html_e( 'Settings', 'fct-bridge' ); ?></h1>
			<h2 id="fct-payment-settings-title"><?php esc_html_e( 'Payment Settings', 'fct-bridge' ); ?></h2>
			<table id="fct-payment-settings" class="widefat striped fct-payment-methods" aria-labelledby="fct-payment-settings-title">
				<thead>
					<tr>
						<th scope="col"><?php esc_html_e( 'Payment method', 'fct-bridge' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Status', 'fct-bridge' ); ?></th>
						<th scope="col"><span class="screen-reader-text"><?php esc_html_e( 'Actions', 'fct-bridge' ); ?></span></th>
					</tr>
				</thead>
				<tbody>
					<tr id="fct-payment-method-stripe">
						<td><strong><?php esc_html_e( 'Stripe', 'fct-bridge' ); ?></strong></td>
						<td>
							<span id="fct-stripe-status" class="fct-status <?php echo esc_attr( 'fct-status-' . $state['state'] ); ?>" data-state="<?php echo esc_attr( $state['state'] ); ?>"><?php echo esc_html( $state['label'] ); ?></span>
							<?php if ( '' !== $state['detail'] ) : ?>
								<p class="description fct-status-detail"><?php echo esc_html( $state['detail'] ); ?></p>
							<?php endif; ?>
						</td>
						<td class="fct-actions">
							<a id="fct-stripe-manage" class="button" href="<?php echo esc_url( $manage_url ); ?>"><?php esc_html_e( 'Manage', 'fct-bridge' ); ?></a>
						</td>
					</tr>
				</tbody>
			</table>
		</div>
		<?php
	}

	/**
	 * Stripe's activation state from the sidecar.
	 *
	 * @return array `array( 'state' => active|inactive|unknown, 'label' => string, 'detail' => string )`.
	 */
	private static function stripe_state() {
		$client = new FCT_Bridge_Client();
		$result = $client->admin_request( 'GET', '/admin/v1/stripe/settings' );
		if ( ! is_wp_error( $result ) && 200 === $result['status'] && is_object( $result['body'] ) && isset( $result['body']->is_active ) ) {
			$active = true === $result['body']->is_active;
			return array(
				'state'  => $active ? 'active' : 'inactive',
				'label'  => $active ? __( 'Active', 'fct-bridge' ) : __( 'Inactive', 'fct-bridge' ),
				'detail' => '',
			);
		}

		if ( is_wp_error( $result ) ) {
			$detail = $result->get_error_message();
		} elseif ( is_object( $result['body'] ) && isset( $result['body']->detail ) && is_string( $result['body']->detail ) ) {
			$detail = $result['body']->detail;
		} else {
			/* translators: %d: HTTP status code. */
			$detail = sprintf( __( 'The Stripe bridge answered with HTTP %d.', 'fct-bridge' ), $result['status'] );
		}
		return array(
			'state'  => 'unknown',
			'label'  => __( 'Status unavailable', 'fct-bridge' ),
			'detail' => $detail,
		);
	}

	/**
	 * The Stripe settings page shell; assets/stripe-settings.js renders the form into it.
	 */
	public function render_stripe_page() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'fct-bridge' ), 403 );
		}
		?>
		<div class="wrap fct-bridge-wrap">
			<p class="fct-breadcrumb">
				<a id="fct-breadcrumb-payment-settings" href="<?php echo esc_url( self::payment_settings_url() ); ?>"><?php esc_html_e( 'Payment Settings', 'fct-bridge' ); ?></a>
			</p>
			<div id="fct-bridge-stripe-app" class="fct-bridge-app">
				<h1><?php esc_html_e( 'Stripe', 'fct-bridge' ); ?></h1>
				<p class="fct-loading"><?php esc_html_e( 'Loading Stripe settings…', 'fct-bridge' ); ?></p>
				<noscript>
					<div class="notice notice-error inline">
						<p><?php esc_html_e( 'The Stripe settings page needs JavaScript. Enable JavaScript in your browser and reload this page.', 'fct-bridge' ); ?></p>
					</div>
				</noscript>
			</div>
		</div>
		<?php
	}
}
