<?php
/**
 * For bench/fluentcart_apply.py, run inside a FluentCart site's WordPress (test/bench sites only): N pending
 * one-time orders (customer, order, item, pending Stripe transaction with payment intent pi_<prefix>_<i>),
 * made with FluentCart's own models. Arguments in FCT_BENCH_ARGS (JSON: prefix, count, total). Prints the
 * count as JSON.
 */

use FluentCart\App\Models\Customer;
use FluentCart\App\Models\Order;
use FluentCart\App\Models\OrderItem;
use FluentCart\App\Models\OrderTransaction;

$a = json_decode( (string) getenv( 'FCT_BENCH_ARGS' ), true );
for ( $i = 0; $i < $a['count']; $i++ ) {
	$customer = Customer::query()->create( array( 'email' => "bench-{$a['prefix']}-$i@example.com", 'first_name' => 'Bench', 'status' => 'active' ) );
	$order    = Order::query()->create(
		array(
			'status'         => 'on-hold',
			'fulfillment_type' => 'digital',
			'type'           => 'payment',
			'mode'           => 'test',
			'customer_id'    => $customer->id,
			'payment_method' => 'stripe',
			'payment_status' => 'pending',
			'currency'       => 'USD',
			'subtotal'       => $a['total'],
			'total_amount'   => $a['total'],
			'rate'           => 1,
			'config'         => array(),
		)
	);
	OrderItem::query()->create( array( 'order_id' => $order->id, 'post_id' => 0, 'object_id' => 0, 'fulfillment_type' => 'digital', 'post_title' => 'Bench', 'title' => 'Bench', 'quantity' => 1, 'unit_price' => $a['total'], 'subtotal' => $a['total'], 'line_total' => $a['total'], 'payment_type' => 'onetime' ) );
	OrderTransaction::query()->create( array( 'order_id' => $order->id, 'order_type' => 'payment', 'transaction_type' => 'charge', 'payment_method' => 'stripe', 'payment_mode' => 'test', 'status' => 'pending', 'total' => $a['total'], 'currency' => 'USD', 'vendor_charge_id' => "pi_{$a['prefix']}_$i", 'uuid' => md5( wp_generate_uuid4() ) ) );
}
echo wp_json_encode( array( 'count' => $a['count'] ) );
