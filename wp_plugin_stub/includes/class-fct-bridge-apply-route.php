<?php
/**
 * The route through which the sidecar applies Stripe events with FluentCart's own code.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * `POST /wp-json/fct-bridge/v1/apply`: a batch of effects, signed by the sidecar like its notices
 * (docs/protocol.md, "Applying through FluentCart").
 *
 * A thin dispatcher: the sidecar verified the Stripe event, found the FluentCart rows it concerns and
 * decided what it means; each effect names those rows and carries the Stripe object from the signed
 * event. This class only hands them to FluentCart's own code (its Stripe confirmation, its refund
 * recording, its order status sync and domain events) and makes no Stripe decision of its own.
 *
 * Exactly once: every effect runs in its own database transaction together with a row in the ledger
 * table ({prefix}fct_bridge_applied_effects, unique per event id and effect key). A retried request
 * (the answer was lost, the sidecar was killed, WordPress died half-way) finds the ledger row of every
 * effect that committed and skips it; effects that did not commit left nothing behind.
 *
 * E-mails too: an e-mail FluentCart sends while an effect runs is not sent then but held, as a row of
 * {prefix}fct_bridge_mail_outbox written in the effect's transaction, and sent once that transaction
 * committed. A request that dies before the commit leaves no row (the retry sends it, once); one that dies
 * after the commit and before sending leaves the row, which the next apply request sends. Each row is
 * deleted before its e-mail is handed to wp_mail(), so a row is never sent twice; the cost is that a
 * death in that instant loses the e-mail (an e-mail already handed over cannot be taken back anyway).
 *
 * FluentCart must not call Stripe while it applies an event the sidecar already holds: during a batch,
 * any HTTP request to a Stripe host is refused (and counted in the answer).
 */
class FCT_Bridge_Apply_Route {

	/** Effects per request, at most: a bound on the work one request can ask for. */
	const MAX_EFFECTS = 500;

	/** Requests to Stripe refused during this request. */
	private $stripe_calls_refused = 0;

	/** Stripe objects the sidecar gave with the effect being applied: API path => object. */
	private $stripe_objects = array();

	/** The effect being applied, whose e-mails are held: array( event id, effect key ), or null. */
	private $holding = null;

	/**
	 * Register the route (on `rest_api_init`).
	 */
	public function register_routes() {
		register_rest_route(
			FCT_Bridge_Events_Route::REST_NAMESPACE,
			'/apply',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'receive' ),
				// Open on purpose: the sidecar has no WordPress login; receive() verifies its signature.
				'permission_callback' => '__return_true',
			)
		);
	}

	/**
	 * The ledger table's name.
	 *
	 * @return string
	 */
	public static function ledger_table() {
		global $wpdb;
		return $wpdb->prefix . 'fct_bridge_applied_effects';
	}

	/**
	 * The held e-mails' table's name.
	 *
	 * @return string
	 */
	public static function mail_table() {
		global $wpdb;
		return $wpdb->prefix . 'fct_bridge_mail_outbox';
	}

	/**
	 * Hold an e-mail sent while an effect runs (a `pre_wp_mail` filter): written in the effect's
	 * transaction, reported sent to FluentCart, sent for real after the commit.
	 *
	 * @param null|bool $short_circuit Short-circuit so far.
	 * @param array     $atts          wp_mail()'s arguments.
	 * @return null|bool
	 */
	public function hold_mail( $short_circuit, $atts ) {
		if ( null !== $short_circuit || null === $this->holding ) {
			return $short_circuit;
		}
		global $wpdb;
		$held = $wpdb->insert(
			self::mail_table(),
			array(
				'event_id'   => $this->holding[0],
				'effect_key' => $this->holding[1],
				'atts'       => wp_json_encode( $atts ),
				'created_at' => gmdate( 'Y-m-d H:i:s' ),
			)
		);
		// Not held (the table is unwritable): sent now, as without the bridge, rather than lost.
		return false === $held ? null : true;
	}

	/**
	 * Send the held e-mails of committed effects (all of them, or one effect's), each row deleted first.
	 *
	 * @param array|null $effect array( event id, effect key ), or null for every row left behind.
	 */
	private static function send_held_mail( $effect = null ) {
		global $wpdb;
		$table = self::mail_table();
		$rows  = null === $effect
			? $wpdb->get_results( 'SELECT id, atts FROM ' . $table . ' ORDER BY id LIMIT 200', ARRAY_A ) // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from the prefix.
			: $wpdb->get_results( $wpdb->prepare( 'SELECT id, atts FROM ' . $table . ' WHERE event_id = %s AND effect_key = %s ORDER BY id', $effect[0], $effect[1] ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from the prefix.
		foreach ( (array) $rows as $row ) {
			if ( 1 !== $wpdb->query( $wpdb->prepare( 'DELETE FROM ' . $table . ' WHERE id = %d', $row['id'] ) ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from the prefix.
				continue; // Another request claimed it.
			}
			$atts = json_decode( (string) $row['atts'], true );
			if ( is_array( $atts ) ) {
				wp_mail( $atts['to'] ?? '', $atts['subject'] ?? '', $atts['message'] ?? '', $atts['headers'] ?? '', $atts['attachments'] ?? array() );
			}
		}
	}

	/**
	 * Verify, then apply each event's effects in order.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error 200 `{"results": {event_id: {"status": "applied"|"failed", ...}},
	 *                                   "stripe_calls_refused": n}`; 401 unsigned, forged or stale;
	 *                                   409 replayed nonce; 400 not a batch; 503 FluentCart not active.
	 */
	public function receive( $request ) {
		$body     = (string) $request->get_body();
		$verified = FCT_Bridge_Events_Route::verify_signed( $request, $body );
		if ( is_wp_error( $verified ) ) {
			return $verified;
		}
		$batch = self::parse( $body );
		if ( is_wp_error( $batch ) ) {
			return $batch;
		}
		$used = FCT_Bridge_Events_Route::use_nonce( $verified );
		if ( is_wp_error( $used ) ) {
			return $used;
		}
		if ( ! FCT_Bridge_Admin_Page::fluentcart_active() || ! class_exists( '\FluentCart\App\Helpers\StatusHelper' ) ) {
			return new WP_Error( 'fct_bridge_no_fluentcart', __( 'FluentCart is not active on this site.', 'fct-bridge' ), array( 'status' => 503 ) );
		}
		self::ensure_ledger();

		// One apply request at a time per store: FluentCart numbers receipts as MAX(receipt_number) + 1, which
		// two effects in concurrent transactions both read before either commits (a number given twice). A
		// named lock is released by MariaDB itself when the request dies.
		global $wpdb;
		$lock = 'fct_bridge_apply_' . md5( DB_NAME . $wpdb->prefix );
		if ( '1' !== (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 30)', $lock ) ) ) {
			return new WP_Error( 'fct_bridge_busy', __( 'Another apply request held the store for 30 s; retry.', 'fct-bridge' ), array( 'status' => 503 ) );
		}
		$results = array();
		try {
			self::send_held_mail(); // Left behind by a request that died between a commit and its sending.
			add_filter( 'pre_http_request', array( $this, 'refuse_stripe' ), 1, 3 );
			add_filter( 'pre_wp_mail', array( $this, 'hold_mail' ), 1, 2 );
			foreach ( $batch as $event ) {
				$results[ $event['event_id'] ] = $this->apply_event( $event );
			}
		} finally {
			remove_filter( 'pre_http_request', array( $this, 'refuse_stripe' ), 1 );
			remove_filter( 'pre_wp_mail', array( $this, 'hold_mail' ), 1 );
			$this->holding = null;
			$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		}
		return new WP_REST_Response(
			array(
				'results'              => (object) $results,
				'stripe_calls_refused' => $this->stripe_calls_refused,
			),
			200
		);
	}

	/**
	 * Refuse HTTP to Stripe while a batch is applied (a `pre_http_request` filter). A read of an object the
	 * sidecar gave with the effect (its `stripe_objects`, from the signed event or read from Stripe by the
	 * sidecar) is answered with it, so FluentCart's own code runs whole without calling Stripe.
	 *
	 * @param false|array|WP_Error $response Short-circuit so far.
	 * @param array                $args     Request arguments.
	 * @param string               $url      URL.
	 * @return false|array|WP_Error
	 */
	public function refuse_stripe( $response, $args, $url ) {
		$host = strtolower( (string) wp_parse_url( $url, PHP_URL_HOST ) );
		if ( 'stripe.com' === $host || str_ends_with( $host, '.stripe.com' ) ) {
			$path = (string) wp_parse_url( $url, PHP_URL_PATH );
			if ( 'GET' === strtoupper( (string) ( $args['method'] ?? 'GET' ) ) && isset( $this->stripe_objects[ $path ] ) ) {
				return array(
					'headers'  => array(),
					'body'     => wp_json_encode( $this->stripe_objects[ $path ] ),
					'response' => array(
						'code'    => 200,
						'message' => 'OK',
					),
					'cookies'  => array(),
					'filename' => null,
				);
			}
			++$this->stripe_calls_refused;
			return new WP_Error( 'fct_bridge_no_stripe_calls', 'fct-bridge: the sidecar holds this event; no Stripe call while it is applied' );
		}
		return $response;
	}

	/**
	 * Apply one event's effects, each exactly once; stops at the first failure (the rest wait for the retry).
	 *
	 * @param array $event `event_id`, `type`, `effects`.
	 * @return array `status` applied|failed, `effects` {key: done|already_done}, `error` on failure.
	 */
	private function apply_event( array $event ) {
		global $wpdb;
		$done = array();
		foreach ( $event['effects'] as $effect ) {
			$wpdb->query( 'START TRANSACTION' );
			$claimed = $wpdb->query(
				$wpdb->prepare(
					'INSERT IGNORE INTO ' . self::ledger_table() . ' (event_id, effect_key, kind, applied_at) VALUES (%s, %s, %s, UTC_TIMESTAMP())', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from the prefix.
					$event['event_id'],
					$effect['key'],
					$effect['kind']
				)
			);
			if ( 1 !== $claimed ) {
				$wpdb->query( 'ROLLBACK' );
				if ( false === $claimed ) {
					return self::failed( $done, 'the ledger could not be written: ' . $wpdb->last_error );
				}
				$done[ $effect['key'] ] = 'already_done';
				continue;
			}
			$objects              = $effect['args']['stripe_objects'] ?? array();
			$this->stripe_objects = is_array( $objects ) ? array_filter( $objects, 'is_array' ) : array();
			$this->holding = array( $event['event_id'], $effect['key'] );
			try {
				$outcome = FCT_Bridge_Effects::run( $effect['kind'], $effect['args'] );
			} catch ( Throwable $e ) {
				$this->holding = null;
				$wpdb->query( 'ROLLBACK' );
				return self::failed( $done, $effect['kind'] . ': ' . $e->getMessage() );
			}
			$this->holding = null;
			if ( is_wp_error( $outcome ) ) {
				$wpdb->query( 'ROLLBACK' );
				return self::failed( $done, $effect['kind'] . ': ' . $outcome->get_error_message() );
			}
			if ( false === $wpdb->query( 'COMMIT' ) ) {
				return self::failed( $done, 'commit failed: ' . $wpdb->last_error );
			}
			self::send_held_mail( array( $event['event_id'], $effect['key'] ) );
			$done[ $effect['key'] ] = 'done';
		}
		return array(
			'status'  => 'applied',
			'effects' => (object) $done,
		);
	}

	/**
	 * A failed event's result.
	 *
	 * @param array  $done  Effects done so far.
	 * @param string $error Why.
	 * @return array
	 */
	private static function failed( array $done, $error ) {
		return array(
			'status'  => 'failed',
			'effects' => (object) $done,
			'error'   => substr( $error, 0, 500 ),
		);
	}

	/**
	 * Create the ledger and held e-mails' tables when missing (once per site; the option remembers it).
	 */
	private static function ensure_ledger() {
		if ( get_option( 'fct_bridge_ledger_version' ) === '2' ) {
			return;
		}
		global $wpdb;
		$wpdb->query(
			'CREATE TABLE IF NOT EXISTS ' . self::ledger_table() . ' (' // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from the prefix.
			. 'id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, '
			. 'event_id VARCHAR(255) NOT NULL, effect_key VARCHAR(191) NOT NULL, kind VARCHAR(64) NOT NULL, '
			. 'applied_at DATETIME NOT NULL, UNIQUE KEY event_effect (event_id(120), effect_key)'
			. ') ' . $wpdb->get_charset_collate()
		);
		$wpdb->query(
			'CREATE TABLE IF NOT EXISTS ' . self::mail_table() . ' (' // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from the prefix.
			. 'id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, '
			. 'event_id VARCHAR(255) NOT NULL, effect_key VARCHAR(191) NOT NULL, atts LONGTEXT NOT NULL, '
			. 'created_at DATETIME NOT NULL, KEY event_effect (event_id(120), effect_key)'
			. ') ' . $wpdb->get_charset_collate()
		);
		update_option( 'fct_bridge_ledger_version', '2', true );
	}

	/**
	 * The batch, validated.
	 *
	 * @param string $body Raw body.
	 * @return array|WP_Error List of events, or WP_Error (400).
	 */
	private static function parse( $body ) {
		$data  = json_decode( $body, true );
		$bad   = new WP_Error( 'fct_bridge_invalid_batch', __( 'The body is not an fct-bridge apply batch.', 'fct-bridge' ), array( 'status' => 400 ) );
		$count = 0;
		if ( ! is_array( $data ) || ! isset( $data['batch'] ) || ! is_array( $data['batch'] ) || ! array_is_list( $data['batch'] ) ) {
			return $bad;
		}
		foreach ( $data['batch'] as $event ) {
			if ( ! is_array( $event ) || ! isset( $event['event_id'], $event['effects'] ) || ! is_string( $event['event_id'] )
				|| ! preg_match( '/^[A-Za-z0-9_.-]{1,255}$/', $event['event_id'] ) || ! is_array( $event['effects'] ) ) {
				return $bad;
			}
			foreach ( $event['effects'] as $effect ) {
				if ( ! is_array( $effect ) || ! isset( $effect['key'], $effect['kind'], $effect['args'] )
					|| ! is_string( $effect['key'] ) || ! preg_match( '/^[A-Za-z0-9_:.-]{1,191}$/', $effect['key'] )
					|| ! FCT_Bridge_Effects::known( $effect['kind'] ) || ! is_array( $effect['args'] ) ) {
					return $bad;
				}
				++$count;
			}
		}
		if ( $count > self::MAX_EFFECTS ) {
			return $bad;
		}
		return $data['batch'];
	}
}
