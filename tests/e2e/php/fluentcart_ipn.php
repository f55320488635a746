<?php
/**
 * Run inside the e2e site's WordPress by tests/e2e/test_fluentcart_parity.py: one Stripe event through
 * FluentCart's own webhook code (StripeGateway\Webhook\IPN::verifyAndProcess), the reference a twin order
 * is compared with. The event (JSON in FCT_TEST_EVENT) arrives as FluentCart's route would receive it, and
 * FluentCart's re-fetches are answered by the test's fake: FCT_TEST_STRIPE maps an API path (e.g.
 * /v1/events/evt_…, /v1/checkout/sessions/cs_…) to the object to answer, the event itself always included;
 * any other Stripe call FluentCart makes is refused and recorded like every external request on a test site.
 */

$fct_event  = json_decode( (string) getenv( 'FCT_TEST_EVENT' ), true );
$fct_stripe = (array) json_decode( (string) getenv( 'FCT_TEST_STRIPE' ), true );
$fct_stripe[ '/v1/events/' . $fct_event['id'] ] = $fct_event;
add_filter(
	'pre_http_request',
	static function ( $pre, $args, $url ) use ( $fct_stripe ) {
		$path = (string) wp_parse_url( $url, PHP_URL_PATH );
		if ( 'api.stripe.com' === wp_parse_url( $url, PHP_URL_HOST ) && isset( $fct_stripe[ $path ] ) ) {
			return array(
				'headers'  => array(),
				'body'     => wp_json_encode( $fct_stripe[ $path ] ),
				'response' => array( 'code' => 200, 'message' => 'OK' ),
				'cookies'  => array(),
				'filename' => null,
			);
		}
		return $pre;
	},
	5,
	3
);
$_SERVER['REQUEST_METHOD'] = 'POST';
$_POST                     = wp_slash( $fct_event );
// wp_send_json() ends the script with FluentCart's answer as the last line of output.
( new \FluentCart\App\Modules\PaymentMethods\StripeGateway\Webhook\IPN() )->verifyAndProcess();
echo wp_json_encode( array( 'message' => 'IPN returned without answering' ) );
