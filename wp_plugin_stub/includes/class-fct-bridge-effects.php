<?php
/**
 * The effects the sidecar can ask for, each carried out by FluentCart's own code.
 *
 * @package FCT_Bridge
 */

defined( 'ABSPATH' ) || exit;

use FluentCart\App\Events\Order\OrderRefund;
use FluentCart\App\Helpers\StatusHelper;
use FluentCart\App\Models\Order;
use FluentCart\App\Models\OrderTransaction;
use FluentCart\App\Models\Subscription;
use FluentCart\App\Modules\Subscriptions\Services\SubscriptionService;
use FluentCart\App\Modules\PaymentMethods\StripeGateway\Confirmations;
use FluentCart\App\Modules\PaymentMethods\StripeGateway\StripeHelper;

/**
 * One function per effect kind. The sidecar chose the rows (by ids the store recorded) and the values
 * (from the signed Stripe event); these functions only call FluentCart. Each runs inside the apply
 * route's transaction for its ledger row, so a failure (WP_Error or exception) leaves nothing behind.
 */
class FCT_Bridge_Effects {

	/** Effect kind => method. */
	const KINDS = array(
		'confirm_charge'          => 'confirm_charge',
		'link_charge'             => 'link_charge',
		'sync_order'              => 'sync_order',
		'record_refund'           => 'record_refund',
		'stripe_handler'          => 'stripe_handler',
		'sync_subscription'       => 'sync_subscription',
		'record_renewal'          => 'record_renewal',
		'set_subscription_status' => 'set_subscription_status',
		'link_subscription'       => 'link_subscription',
		'fail_refund'             => 'fail_refund',
	);

	/** FluentCart's own Stripe webhook handlers the sidecar may hand an event to (they call no Stripe API). */
	const STRIPE_HANDLERS = array(
		'dispute_created' => 'handleChargeDisputeCreated',
		'dispute_closed'  => 'handleChargeDisputeClosed',
	);

	/**
	 * Whether the kind exists.
	 *
	 * @param mixed $kind Kind.
	 * @return bool
	 */
	public static function known( $kind ) {
		return is_string( $kind ) && isset( self::KINDS[ $kind ] );
	}

	/**
	 * Run one effect.
	 *
	 * @param string $kind Kind.
	 * @param array  $args Arguments.
	 * @return true|WP_Error
	 */
	public static function run( $kind, array $args ) {
		$method = self::KINDS[ $kind ];
		return self::$method( $args );
	}

	/**
	 * A pending transaction's payment succeeded: FluentCart's own Stripe confirmation with the charge of the
	 * signed event (the transaction's fields, its activity log entry, then StatusHelper::syncOrderStatuses:
	 * the atomic transition to paid, OrderPaid, digital orders completed). The sidecar sends this only for
	 * a charge that is not disputed; for a subscription's first payment it adds the subscription FluentCart's
	 * confirmation reads (stripe_objects, served by the apply route), so no Stripe call leaves.
	 *
	 * @param array $args `transaction_id`, `charge` (the Stripe charge), `intent_id`.
	 * @return true|WP_Error
	 */
	private static function confirm_charge( array $args ) {
		$transaction = self::transaction( $args['transaction_id'] ?? null );
		if ( is_wp_error( $transaction ) ) {
			return $transaction;
		}
		if ( ! isset( $args['charge'] ) || ! is_array( $args['charge'] ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'confirm_charge needs the charge' );
		}
		( new Confirmations() )->confirmPaymentSuccessByCharge(
			$transaction,
			array(
				'charge'    => $args['charge'],
				'intent_id' => (string) ( $args['intent_id'] ?? '' ),
			)
		);
		return true;
	}

	/**
	 * A payment not confirmed yet: remember its payment intent on the transaction, when unset (or, with
	 * `replace`, in place of a checkout session's placeholder, as FluentCart's hosted checkout does).
	 *
	 * @param array $args `transaction_id`, `vendor_charge_id`, `replace` (optional).
	 * @return true|WP_Error
	 */
	private static function link_charge( array $args ) {
		$transaction = self::transaction( $args['transaction_id'] ?? null );
		if ( is_wp_error( $transaction ) ) {
			return $transaction;
		}
		$replace = ! empty( $args['replace'] ) && 'succeeded' !== $transaction->status;
		if ( ( ! $transaction->vendor_charge_id || $replace ) && ! empty( $args['vendor_charge_id'] ) ) {
			$transaction->update( array( 'vendor_charge_id' => (string) $args['vendor_charge_id'] ) );
		}
		return true;
	}

	/**
	 * The order's statuses and totals from its transactions, FluentCart's way (a transition to paid
	 * happens once, atomically, and dispatches OrderPaid).
	 *
	 * @param array $args `transaction_id`.
	 * @return true|WP_Error
	 */
	private static function sync_order( array $args ) {
		$transaction = self::transaction( $args['transaction_id'] ?? null );
		if ( is_wp_error( $transaction ) ) {
			return $transaction;
		}
		$order = Order::query()->where( 'id', $transaction->order_id )->first();
		if ( ! $order ) {
			return new WP_Error( 'fct_bridge_no_order', 'no order ' . (int) $transaction->order_id );
		}
		( new StatusHelper( $order ) )->syncOrderStatuses( $transaction );
		return true;
	}

	/**
	 * A Stripe refund: recorded by FluentCart's own webhook refund code (found by its refund id, or a local
	 * refund of the same amount adopted), and OrderRefund dispatched when this created the refund row.
	 *
	 * @param array $args `parent_transaction_id`, `refund` (the refund transaction's columns).
	 * @return true|WP_Error
	 */
	private static function record_refund( array $args ) {
		$parent = self::transaction( $args['parent_transaction_id'] ?? null );
		if ( is_wp_error( $parent ) ) {
			return $parent;
		}
		$data = $args['refund'] ?? null;
		if ( ! is_array( $data ) || empty( $data['vendor_charge_id'] ) || ! isset( $data['total'] ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'record_refund needs the refund\'s vendor_charge_id and total' );
		}
		$data['order_id']   = $parent->order_id;
		$data['order_type'] = $parent->order_type;
		$data['uuid']       = md5( $data['vendor_charge_id'] . wp_generate_uuid4() );
		$refund             = StripeHelper::createOrUpdateIpnRefund( $data, $parent );
		if ( $refund && $refund->wasRecentlyCreated ) {
			$order = Order::query()->where( 'id', $parent->order_id )->first();
			( new OrderRefund( $order, $refund ) )->dispatch();
		}
		return true;
	}

	/**
	 * FluentCart's own handler for the event, with the order the sidecar found (as FluentCart's IPN route
	 * calls it after its re-fetch of the event, which is not needed: the sidecar verified the event).
	 *
	 * @param array $args `handler` (a key of STRIPE_HANDLERS), `event` (the Stripe event), `order_id`.
	 * @return true|WP_Error
	 */
	private static function stripe_handler( array $args ) {
		$handler = is_string( $args['handler'] ?? null ) ? ( self::STRIPE_HANDLERS[ $args['handler'] ] ?? null ) : null;
		$order   = is_int( $args['order_id'] ?? null ) ? Order::query()->where( 'id', $args['order_id'] )->first() : null;
		if ( null === $handler || ! $order || ! is_array( $args['event'] ?? null ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'stripe_handler needs a known handler, an order and the event' );
		}
		// FluentCart's handlers read the event as the object its API client decodes.
		$event = json_decode( wp_json_encode( $args['event'] ) );
		( new \FluentCart\App\Modules\PaymentMethods\StripeGateway\Webhook\IPN() )->$handler(
			array(
				'event' => $event,
				'order' => $order,
			)
		);
		return true;
	}

	/**
	 * A Stripe subscription changed: FluentCart's own mapping of it (StripeHelper::getSubscriptionUpdateData)
	 * and SubscriptionService::syncSubscriptionStates, as its re-sync from Stripe does, with the subscription
	 * of the signed event in place of a re-fetch.
	 *
	 * @param array $args `subscription_id`, `stripe_subscription`.
	 * @return true|WP_Error
	 */
	private static function sync_subscription( array $args ) {
		$subscription = self::subscription( $args['subscription_id'] ?? null );
		if ( is_wp_error( $subscription ) ) {
			return $subscription;
		}
		if ( ! is_array( $args['stripe_subscription'] ?? null ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'sync_subscription needs the Stripe subscription' );
		}
		$update = StripeHelper::getSubscriptionUpdateData( $args['stripe_subscription'], $subscription );
		SubscriptionService::syncSubscriptionStates( $subscription, $update );
		return true;
	}

	/**
	 * A renewal payment: SubscriptionService::recordRenewalPayment (renewal order, its item and addresses, the
	 * transaction, the subscription's states, SubscriptionRenewed). It refuses a payment whose vendor id it
	 * already has, which counts as done: the renewal exists once.
	 *
	 * @param array $args `subscription_id`, `transaction` (its columns), `stripe_subscription` (or null).
	 * @return true|WP_Error
	 */
	private static function record_renewal( array $args ) {
		$subscription = self::subscription( $args['subscription_id'] ?? null );
		if ( is_wp_error( $subscription ) ) {
			return $subscription;
		}
		if ( ! is_array( $args['transaction'] ?? null ) || empty( $args['transaction']['vendor_charge_id'] ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'record_renewal needs the transaction and its vendor id' );
		}
		$remote = $args['stripe_subscription'] ?? null;
		$update = is_array( $remote ) ? StripeHelper::getSubscriptionUpdateData( $remote, $subscription ) : array( 'current_payment_method' => 'stripe' );
		$result = SubscriptionService::recordRenewalPayment( $args['transaction'], $subscription, $update );
		if ( is_wp_error( $result ) && 'transaction_exists' !== $result->get_error_code() ) {
			return $result;
		}
		return true;
	}

	/**
	 * A subscription status the sidecar decided (e.g. failing after invoice.payment_failed, which FluentCart
	 * ignores), set through SubscriptionService::syncSubscriptionStates and its status hooks.
	 *
	 * @param array $args `subscription_id`, `status`.
	 * @return true|WP_Error
	 */
	private static function set_subscription_status( array $args ) {
		$subscription = self::subscription( $args['subscription_id'] ?? null );
		if ( is_wp_error( $subscription ) ) {
			return $subscription;
		}
		$status = $args['status'] ?? null;
		if ( ! is_string( $status ) || ! preg_match( '/^[a-z_]{1,30}$/', $status ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'set_subscription_status needs a status' );
		}
		SubscriptionService::syncSubscriptionStates( $subscription, array( 'status' => $status ) );
		return true;
	}

	/**
	 * A hosted checkout's subscription: Stripe's subscription id on FluentCart's subscription (as FluentCart's
	 * own handling of checkout.session.completed does).
	 *
	 * @param array $args `subscription_id`, `vendor_subscription_id`.
	 * @return true|WP_Error
	 */
	private static function link_subscription( array $args ) {
		$subscription = self::subscription( $args['subscription_id'] ?? null );
		if ( is_wp_error( $subscription ) ) {
			return $subscription;
		}
		if ( empty( $args['vendor_subscription_id'] ) || ! is_string( $args['vendor_subscription_id'] ) ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'link_subscription needs the Stripe subscription id' );
		}
		$subscription->update( array( 'vendor_subscription_id' => $args['vendor_subscription_id'] ) );
		return true;
	}

	/**
	 * The subscription by id.
	 *
	 * @param mixed $id Id.
	 * @return Subscription|WP_Error
	 */
	private static function subscription( $id ) {
		$subscription = is_int( $id ) ? Subscription::query()->where( 'id', $id )->first() : null;
		if ( ! $subscription ) {
			return new WP_Error( 'fct_bridge_no_subscription', 'no FluentCart subscription ' . wp_json_encode( $id ) );
		}
		return $subscription;
	}

	/**
	 * A recorded refund that Stripe reports failed or canceled: it stops counting. Its row is marked failed,
	 * the order's refund total and payment status are recomputed from its transactions by StatusHelper's rule
	 * but saved directly (StatusHelper would take paid-again as a new payment and dispatch OrderPaid, e-mails
	 * included, a second time), the customer's stats are recounted, and the order's activity log says why.
	 * (FluentCart ignores charge.refund.updated.)
	 *
	 * @param array $args `refund_transaction_id`, `status` (Stripe's: failed or canceled).
	 * @return true|WP_Error
	 */
	private static function fail_refund( array $args ) {
		$refund = self::transaction( $args['refund_transaction_id'] ?? null );
		if ( is_wp_error( $refund ) ) {
			return $refund;
		}
		if ( 'refund' !== $refund->transaction_type ) {
			return new WP_Error( 'fct_bridge_bad_effect', 'fail_refund needs a refund transaction' );
		}
		$refund->update( array( 'status' => 'failed' ) );
		$order = Order::query()->where( 'id', $refund->order_id )->first();
		if ( ! $order ) {
			return new WP_Error( 'fct_bridge_no_order', 'no order ' . (int) $refund->order_id );
		}
		$refunded = (int) OrderTransaction::query()->where( 'order_id', $order->id )->where( 'status', 'refunded' )->sum( 'total' );
		$paid     = (int) OrderTransaction::query()->where( 'order_id', $order->id )->whereIn( 'status', \FluentCart\App\Helpers\Status::getTransactionSuccessStatuses() )->sum( 'total' );
		if ( $order->total_amount <= $paid - $refunded ) {
			$order->payment_status = 'paid';
		} elseif ( $refunded ) {
			$order->payment_status = 'partially_refunded';
		}
		$order->total_refund = $refunded;
		$order->save();
		if ( $order->customer ) {
			$order->customer->recountStat();
		}
		fluent_cart_add_log(
			__( 'Stripe refund failed', 'fct-bridge' ),
			sprintf( 'Stripe reports refund %s as %s: it no longer counts.', $refund->vendor_charge_id, sanitize_key( (string) ( $args['status'] ?? 'failed' ) ) ),
			'warning',
			array(
				'module_name' => 'order',
				'module_id'   => $order->id,
			)
		);
		return true;
	}

	/**
	 * The transaction by id.
	 *
	 * @param mixed $id Id.
	 * @return OrderTransaction|WP_Error
	 */
	private static function transaction( $id ) {
		$transaction = is_int( $id ) ? OrderTransaction::query()->where( 'id', $id )->first() : null;
		if ( ! $transaction ) {
			return new WP_Error( 'fct_bridge_no_transaction', 'no FluentCart transaction ' . wp_json_encode( $id ) );
		}
		return $transaction;
	}
}
