<?php
/**
 * Run inside the e2e site's WordPress by tests/e2e/fluentcart.py make_subscription(): a customer, a
 * subscription order (its subscription item and first payment) and its subscription, made with FluentCart's
 * own models as its checkout and first payment leave them: paid and active, or (`pending`) before the
 * first payment. Arguments: JSON in the
 * FCT_TEST_ARGS environment variable. Prints the ids as JSON.
 */

use FluentCart\App\Models\Customer;
use FluentCart\App\Models\Order;
use FluentCart\App\Models\OrderItem;
use FluentCart\App\Models\OrderTransaction;
use FluentCart\App\Models\Subscription;

$a        = json_decode( (string) getenv( 'FCT_TEST_ARGS' ), true );
$paid     = empty( $a['pending'] );
$hosted   = ! empty( $a['session'] ); // a hosted checkout: the session id in meta, Stripe's ids not known yet
$customer = Customer::query()->create(
	array(
		'email'      => $a['email'],
		'first_name' => 'Twin',
		'last_name'  => 'Subscriber',
		'status'     => 'active',
	)
);
$order    = Order::query()->create(
	array(
		'status'               => $paid ? 'completed' : 'on-hold',
		'fulfillment_type'     => 'digital',
		'type'                 => 'subscription',
		'mode'                 => 'test',
		'customer_id'          => $customer->id,
		'payment_method'       => 'stripe',
		'payment_method_title' => 'Card',
		'payment_status'       => $paid ? 'paid' : 'pending',
		'currency'             => 'USD',
		'subtotal'             => $a['total'],
		'total_amount'         => $a['total'],
		'total_paid'           => $paid ? $a['total'] : 0,
		'total_refund'         => 0,
		'rate'                 => 1,
		'config'               => array(),
	)
);
OrderItem::query()->create(
	array(
		'order_id'         => $order->id,
		'post_id'          => 0,
		'object_id'        => 0,
		'fulfillment_type' => 'digital',
		'post_title'       => 'Twin plan',
		'title'            => 'Monthly',
		'quantity'         => 1,
		'unit_price'       => $a['total'],
		'subtotal'         => $a['total'],
		'line_total'       => $a['total'],
		'payment_type'     => 'subscription',
		'line_meta'        => array(),
		'other_info'       => array(),
	)
);
$subscription = Subscription::query()->create(
	array(
		'customer_id'            => $customer->id,
		'parent_order_id'        => $order->id,
		'product_id'             => 0,
		'variation_id'           => 0,
		'item_name'              => 'Twin plan',
		'billing_interval'       => 'month',
		'quantity'               => 1,
		'recurring_amount'       => $a['total'],
		'recurring_total'        => $a['total'],
		'bill_times'             => 0,
		'bill_count'             => $paid ? 1 : 0,
		'vendor_customer_id'     => 'cus_' . $a['tag'],
		'vendor_subscription_id' => $hosted ? '' : 'sub_' . $a['tag'],
		'next_billing_date'      => gmdate( 'Y-m-d H:i:s', $a['period_end'] ),
		'status'                 => $paid ? 'active' : 'pending',
		'current_payment_method' => 'stripe',
		'collection_method'      => 'automatic',
	)
);
$tx = OrderTransaction::query()->create(
	array(
		'order_id'         => $order->id,
		'order_type'       => 'subscription',
		'transaction_type' => 'charge',
		'subscription_id'  => $subscription->id,
		'payment_method'   => 'stripe',
		'payment_mode'     => 'test',
		'status'           => $paid ? 'succeeded' : 'pending',
		'total'            => $a['total'],
		'currency'         => 'USD',
		'vendor_charge_id' => $hosted ? '' : 'pi_' . $a['tag'] . '_first',
		'meta'             => $hosted ? array( 'session_id' => $a['session'] ) : array(),
		'uuid'             => md5( wp_generate_uuid4() ),
	)
);
echo wp_json_encode(
	array(
		'order_id'        => $order->id,
		'uuid'            => $order->uuid,
		'transaction_id'  => $tx->id,
		'subscription_id' => $subscription->id,
		'customer_id'     => $customer->id,
		'email'           => $a['email'],
	)
);
