/**
 * FluentCart Stripe Bridge: with FluentCart active, its Settings › Payment Settings › Stripe › Manage leads
 * to the bridge's Stripe page instead of FluentCart's own (whose Connect goes through FluentCart's relay).
 *
 * FluentCart builds its admin router from a route map it passes through its own JS filter
 * `fluent_cart_routes` (window.fluent_cart_admin.hooks, created by its admin_hooks.js before its app runs).
 * The Stripe gateway's route (name "stripe" under settings › payments) gets a guard that opens the bridge's
 * page, so Manage, a bookmark and FluentCart's own redirects to #/settings/payments/stripe all land there.
 */
(function () {
	'use strict';

	const cfg = window.fctBridgeFluentCart || {};
	const admin = window.fluent_cart_admin;
	if (!admin || !admin.hooks || typeof cfg.stripeUrl !== 'string') {
		return;
	}

	function toBridge() {
		window.location.assign(cfg.stripeUrl);
		return false;
	}

	/** Give every route record named "stripe" (the Stripe gateway's settings) the redirecting guard. */
	function redirectStripe(node, seen) {
		if (!node || typeof node !== 'object' || seen.indexOf(node) !== -1) {
			return;
		}
		seen.push(node);
		if (node.name === 'stripe' && typeof node.path === 'string') {
			node.beforeEnter = toBridge;
		}
		Object.keys(node).forEach((key) => {
			if (key !== 'component' && key !== 'meta') {
				redirectStripe(node[key], seen);
			}
		});
	}

	admin.hooks.addFilter('fluent_cart_routes', 'fct-bridge/stripe', (routes) => {
		redirectStripe(routes, []);
		return routes;
	});
}());
