<?php
/**
 * REST routes used by the Stripe settings page.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The `fct-bridge/v1` REST namespace: thin proxies to the sidecar's signed admin API.
 *
 * Authentication is WordPress core's cookie auth, which requires the `wp_rest` nonce in
 * `X-WP-Nonce` (without it the user is anonymous and every route answers 401). Every route also
 * requires `manage_options`, and every response (errors included) carries no-cache headers.
 */
class FCT_Bridge_REST_Controller {

	/** REST namespace. */
	const REST_NAMESPACE = 'fct-bridge/v1';

	/** Settings a save may change (docs/protocol.md, `PUT /admin/v1/stripe/settings`). */
	const SETTABLE = array(
		'is_active',
		'checkout_mode',
		'payment_mode',
		'test_publishable_key',
		'test_secret_key',
		'test_webhook_secret',
		'live_publishable_key',
		'live_secret_key',
		'live_webhook_secret',
	);

	/** Longest value accepted for one setting; real Stripe keys are far shorter. */
	const MAX_VALUE_LENGTH = 1024;

	/**
	 * The sidecar client.
	 *
	 * @var FCT_Bridge_Client
	 */
	private $client;

	/**
	 * Constructor.
	 *
	 * @param FCT_Bridge_Client|null $client Client to use; a new one by default.
	 */
	public function __construct( $client = null ) {
		$this->client = $client ? $client : new FCT_Bridge_Client();
	}

	/**
	 * Register the routes (on `rest_api_init`).
	 */
	public function register_routes() {
		register_rest_route(
			self::REST_NAMESPACE,
			'/stripe/settings',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_settings' ),
					'permission_callback' => array( $this, 'permissions_check' ),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'update_settings' ),
					'permission_callback' => array( $this, 'permissions_check' ),
					'args'                => array(
						'changes' => array(
							'description' => __( 'Settings to change, each a string.', 'fct-bridge' ),
							'type'        => 'object',
							'required'    => true,
						),
					),
				),
			)
		);

		foreach ( array( 'start', 'disconnect' ) as $action ) {
			register_rest_route(
				self::REST_NAMESPACE,
				'/stripe/connect/(?P<mode>test|live)/' . $action,
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'connect_' . $action ),
					'permission_callback' => array( $this, 'permissions_check' ),
					'args'                => array(
						'mode' => array(
							'type' => 'string',
							'enum' => array( 'test', 'live' ),
						),
					),
				)
			);
		}
	}

	/**
	 * Only administrators (manage_options) may use these routes.
	 *
	 * @return bool
	 */
	public function permissions_check() {
		return current_user_can( 'manage_options' );
	}

	/**
	 * `GET /fct-bridge/v1/stripe/settings` → signed `GET /admin/v1/stripe/settings`.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public function get_settings() {
		return self::to_response( $this->client->admin_request( 'GET', '/admin/v1/stripe/settings' ) );
	}

	/**
	 * `POST /fct-bridge/v1/stripe/settings {"changes": {…}}` → signed `PUT /admin/v1/stripe/settings`.
	 *
	 * Values are checked to be strings from the allowed list but not rewritten: the sidecar validates
	 * each one against a strict pattern and its per-field 422 message is shown to the admin as is.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function update_settings( $request ) {
		$changes = $request->get_param( 'changes' );
		if ( ! is_array( $changes ) ) {
			return new WP_Error( 'fct_bridge_invalid_changes', __( '"changes" must be a JSON object.', 'fct-bridge' ), array( 'status' => 400 ) );
		}

		$clean  = array();
		$errors = array();
		foreach ( $changes as $field => $value ) {
			$field = (string) $field;
			if ( ! in_array( $field, self::SETTABLE, true ) ) {
				$errors[ $field ] = __( 'unknown setting', 'fct-bridge' );
			} elseif ( ! is_string( $value ) ) {
				$errors[ $field ] = __( 'must be a string', 'fct-bridge' );
			} elseif ( strlen( $value ) > self::MAX_VALUE_LENGTH ) {
				$errors[ $field ] = __( 'is too long', 'fct-bridge' );
			} else {
				$clean[ $field ] = $value;
			}
		}
		if ( $errors ) {
			return new WP_Error(
				'fct_bridge_invalid_changes',
				__( 'Some settings were not sent: nothing was saved.', 'fct-bridge' ),
				array(
					'status' => 400,
					'fields' => $errors,
				)
			);
		}

		// An object even when empty, so the sidecar gets {"changes": {}} rather than [].
		$body = array( 'changes' => (object) $clean );
		return self::to_response( $this->client->admin_request( 'PUT', '/admin/v1/stripe/settings', $body ) );
	}

	/**
	 * `POST /fct-bridge/v1/stripe/connect/{mode}/start` → signed `POST /admin/v1/stripe/connect/{mode}/start`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function connect_start( $request ) {
		return $this->connect_action( $request, 'start' );
	}

	/**
	 * `POST /fct-bridge/v1/stripe/connect/{mode}/disconnect` → signed `POST /admin/v1/stripe/connect/{mode}/disconnect`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function connect_disconnect( $request ) {
		return $this->connect_action( $request, 'disconnect' );
	}

	/**
	 * Proxy one Connect action for a mode.
	 *
	 * @param WP_REST_Request $request Request.
	 * @param string          $action  `start` or `disconnect`.
	 * @return WP_REST_Response|WP_Error
	 */
	private function connect_action( $request, $action ) {
		$mode = 'test' === $request['mode'] ? 'test' : 'live';
		return self::to_response( $this->client->admin_request( 'POST', '/admin/v1/stripe/connect/' . $mode . '/' . $action ) );
	}

	/**
	 * The sidecar's answer, with its own status, or the client's WP_Error.
	 *
	 * @param array|WP_Error $result Result of FCT_Bridge_Client::admin_request().
	 * @return WP_REST_Response|WP_Error
	 */
	private static function to_response( $result ) {
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response( $result['body'], $result['status'] );
	}

	/**
	 * Add no-cache headers to every response of this namespace, errors (401/403) included
	 * (on `rest_post_dispatch`).
	 *
	 * @param WP_HTTP_Response $response Response.
	 * @param WP_REST_Server   $server   Server.
	 * @param WP_REST_Request  $request  Request.
	 * @return WP_HTTP_Response
	 */
	public static function add_nocache_headers( $response, $server, $request ) {
		if ( ! $response instanceof WP_HTTP_Response || ! $request instanceof WP_REST_Request ) {
			return $response;
		}
		if ( 0 !== strpos( $request->get_route(), '/' . self::REST_NAMESPACE . '/' ) ) {
			return $response;
		}
		foreach ( wp_get_nocache_headers() as $name => $value ) {
			// wp_get_nocache_headers() marks headers to remove (Last-Modified) with an empty value.
			if ( '' !== (string) $value ) {
				$response->header( $name, $value );
			}
		}
		return $response;
	}
}
