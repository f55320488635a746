<?php
/**
 * REST routes for the webhook tools of the Stripe settings page.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * `fct-bridge/v1/stripe/webhooks/…`: thin proxies to the sidecar's signed admin API (docs/protocol.md).
 *
 * - `GET  stripe/webhooks/{mode}`           the endpoint check (✓/✗ lines);
 * - `POST stripe/webhooks/{mode}/register`  register or repair this site's endpoint at Stripe;
 * - `POST stripe/webhooks/{mode}/test`      send a signed test event to the public webhook URL;
 * - `GET  stripe/webhooks/events`           failed events (`status`, `mode`, `limit`);
 * - `POST stripe/webhooks/replay`           requeue `event_ids` or `all_dead` (optionally of one `mode`).
 *
 * Like every route of the namespace: WordPress's cookie auth with the `wp_rest` nonce, `manage_options`,
 * no-cache headers (FCT_Bridge_REST_Controller::add_nocache_headers). The plugin decides nothing: the
 * sidecar checks every value again.
 */
class FCT_Bridge_Webhooks_Controller {

	/** Seconds to wait for registration and the test event (both call out: Stripe, the public URL). */
	const SLOW_TIMEOUT = 30;

	/** Statuses the event list accepts. */
	const STATUSES = array( 'pending', 'dead', 'applied', 'ignored', 'superseded' );

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
		$ns   = FCT_Bridge_REST_Controller::REST_NAMESPACE;
		$mode = array(
			'mode' => array(
				'type' => 'string',
				'enum' => array( 'test', 'live' ),
			),
		);

		register_rest_route(
			$ns,
			'/stripe/webhooks/(?P<mode>test|live)',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'check' ),
				'permission_callback' => array( $this, 'permissions_check' ),
				'args'                => $mode,
			)
		);
		foreach ( array( 'register', 'test' ) as $action ) {
			register_rest_route(
				$ns,
				'/stripe/webhooks/(?P<mode>test|live)/' . $action,
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'action_' . $action ),
					'permission_callback' => array( $this, 'permissions_check' ),
					'args'                => $mode,
				)
			);
		}
		register_rest_route(
			$ns,
			'/stripe/webhooks/events',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'list_events' ),
				'permission_callback' => array( $this, 'permissions_check' ),
				'args'                => array(
					'status' => array(
						'type'    => 'string',
						'pattern' => '^(' . implode( '|', self::STATUSES ) . ')(,(' . implode( '|', self::STATUSES ) . '))*$',
						'default' => 'dead,pending',
					),
					'mode'   => array(
						'type' => 'string',
						'enum' => array( 'test', 'live' ),
					),
					'limit'  => array(
						'type'    => 'integer',
						'minimum' => 1,
						'maximum' => 200,
						'default' => 50,
					),
				),
			)
		);
		register_rest_route(
			$ns,
			'/stripe/webhooks/replay',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'replay' ),
				'permission_callback' => array( $this, 'permissions_check' ),
				'args'                => array(
					'event_ids' => array(
						'type'     => 'array',
						'maxItems' => 100,
						'items'    => array(
							'type'    => 'string',
							'pattern' => '^evt_[A-Za-z0-9_]{1,250}$',
						),
					),
					'all_dead'  => array( 'type' => 'boolean' ),
					'mode'      => array(
						'type' => 'string',
						'enum' => array( 'test', 'live' ),
					),
				),
			)
		);
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
	 * `GET stripe/webhooks/{mode}` → signed `GET /admin/v1/stripe/webhooks/{mode}`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function check( $request ) {
		return self::to_response( $this->client->admin_request( 'GET', '/admin/v1/stripe/webhooks/' . self::mode( $request ), null, self::SLOW_TIMEOUT ) );
	}

	/**
	 * `POST stripe/webhooks/{mode}/register` → signed `POST /admin/v1/stripe/webhooks/{mode}/register`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function action_register( $request ) {
		return self::to_response( $this->client->admin_request( 'POST', '/admin/v1/stripe/webhooks/' . self::mode( $request ) . '/register', null, self::SLOW_TIMEOUT ) );
	}

	/**
	 * `POST stripe/webhooks/{mode}/test` → signed `POST /admin/v1/stripe/webhooks/{mode}/test`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function action_test( $request ) {
		return self::to_response( $this->client->admin_request( 'POST', '/admin/v1/stripe/webhooks/' . self::mode( $request ) . '/test', null, self::SLOW_TIMEOUT ) );
	}

	/**
	 * `GET stripe/webhooks/events` → signed `GET /admin/v1/stripe/webhooks/events?…`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function list_events( $request ) {
		$query = array(
			'status' => (string) $request['status'],
			'limit'  => (int) $request['limit'],
		);
		if ( in_array( $request['mode'], array( 'test', 'live' ), true ) ) {
			$query['mode'] = $request['mode'];
		}
		return self::to_response( $this->client->admin_request( 'GET', '/admin/v1/stripe/webhooks/events?' . http_build_query( $query, '', '&', PHP_QUERY_RFC3986 ) ) );
	}

	/**
	 * `POST stripe/webhooks/replay {"event_ids": […]}|{"all_dead": true}` → signed `POST /admin/v1/stripe/webhooks/replay`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function replay( $request ) {
		$ids  = $request['event_ids'];
		$body = array();
		if ( is_array( $ids ) && ! empty( $ids ) ) {
			$body['event_ids'] = array_values( array_map( 'strval', $ids ) );
		} elseif ( true === $request['all_dead'] ) {
			$body['all_dead'] = true;
		} else {
			return new WP_Error( 'fct_bridge_invalid_replay', __( 'Give "event_ids" or "all_dead": true.', 'fct-bridge' ), array( 'status' => 400 ) );
		}
		if ( in_array( $request['mode'], array( 'test', 'live' ), true ) ) {
			$body['mode'] = $request['mode'];
		}
		return self::to_response( $this->client->admin_request( 'POST', '/admin/v1/stripe/webhooks/replay', $body ) );
	}

	/**
	 * The route's mode.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return string `test` or `live`.
	 */
	private static function mode( $request ) {
		return 'test' === $request['mode'] ? 'test' : 'live';
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
}
