<?php
/**
 * Run inside the e2e site's WordPress by tests/e2e/fluentcart.py make_order(): a customer, an order with one
 * item and its pending Stripe transaction, made with FluentCart's own models as its checkout makes them.
 * Arguments: JSON in the FCT_TEST_ARGS environment variable. Prints the ids as JSON.
 */

use FluentCart\App\Models\Customer;
use FluentCart\App\Models\Order;
use FluentCart\App\Models\OrderItem;
use FluentCart\App\Models\OrderTransaction;
$a = json_decode( (string) getenv( 'FCT_TEST_ARGS' ), true );
$customer = Customer::query()->create( array( 'email' => $a['email'], 'first_name' => 'Twin', 'last_name' => 'Buyer',
    'status' => 'active' ) );
$kind = $a['physical'] ? 'physical' : 'digital';
$order = Order::query()->create( array(
    'status' => 'on-hold', 'fulfillment_type' => $kind, 'type' => 'payment', 'mode' => 'test',
    'shipping_status' => $a['physical'] ? 'unshipped' : '', 'customer_id' => $customer->id,
    'payment_method' => 'stripe', 'payment_method_title' => 'Card', 'payment_status' => 'pending',
    'currency' => $a['currency'], 'subtotal' => $a['total'], 'total_amount' => $a['total'], 'total_paid' => 0,
    'total_refund' => 0, 'rate' => 1, 'config' => array( 'create_account_after_paid' => 'no' ),
) );
OrderItem::query()->create( array( 'order_id' => $order->id, 'post_id' => 0, 'object_id' => 0,
    'fulfillment_type' => $kind, 'post_title' => 'Twin product', 'title' => 'Twin product', 'quantity' => 1,
    'unit_price' => $a['total'], 'subtotal' => $a['total'], 'line_total' => $a['total'], 'payment_type' => 'onetime' ) );
$meta = $a['session'] ? array( 'session_id' => $a['session'] ) : array();
$tx = OrderTransaction::query()->create( array( 'order_id' => $order->id, 'order_type' => 'payment',
    'transaction_type' => 'charge', 'payment_method' => 'stripe', 'payment_mode' => 'test', 'status' => 'pending',
    'total' => $a['total'], 'currency' => $a['currency'], 'vendor_charge_id' => $a['intent'], 'meta' => $meta,
    'uuid' => md5( wp_generate_uuid4() ) ) );
echo wp_json_encode( array( 'order_id' => $order->id, 'uuid' => $order->uuid, 'transaction_id' => $tx->id,
    'customer_id' => $customer->id, 'email' => $a['email'] ) );
