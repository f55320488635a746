/**
 * FluentCart Stripe Bridge: the webhook tools of each credentials tab.
 *
 * window.fctBridgeWebhooks.section(mode, modeData, ctx) returns the tab's "Webhook" card: the health box
 * (last verified and refused deliveries, pending and dead counts, the warning as a notice), "Register the
 * webhook for me", "Send a test event", the ✓/✗ check of the endpoint at Stripe, and the dead-letter list
 * with "Replay all dead events". ctx carries the settings page's helpers (h, api, describeError, isObject).
 *
 * Every value from the server is written with textContent (through h), never as HTML.
 */
(function () {
	'use strict';

	function section(mode, data, ctx) {
		const h = ctx.h;
		const isObject = ctx.isObject;
		const label = mode === 'live' ? 'Live' : 'Test';
		const secret = isObject(data.webhook_secret) ? data.webhook_secret : {};
		const key = isObject(data.secret_key) ? data.secret_key : {};
		const constantSecret = secret.source === 'wp-config';
		const hasKey = key.source === 'wp-config' || key.source === 'database';
		const hasSecret = secret.source === 'wp-config' || (secret.source === 'database' && secret.decryptable !== false);
		const els = {};
		let busy = false;

		/* ------------------------------------------------------------ health */

		function when(iso) {
			return typeof iso === 'string' && iso ? iso.replace('T', ' ').replace('Z', ' UTC') : '';
		}

		function renderHealth(health) {
			const box = els.health;
			box.textContent = '';
			box.appendChild(h('p', { className: 'fct-card-title' }, [h('strong', { text: 'Deliveries from Stripe' })]));
			if (!isObject(health)) {
				box.appendChild(h('p', { className: 'description', text: 'Not available right now.' }));
				return;
			}
			if (typeof health.warning === 'string' && health.warning) {
				box.appendChild(h('div', { id: 'fct-webhook-warning-' + mode, className: 'notice notice-warning inline' }, [
					h('p', { text: health.warning }),
				]));
			}
			const verified = health.last_verified_event ? [
				'Last genuine event from Stripe: ' + when(health.last_verified_at),
				h('span', { className: 'fct-detail' }, [
					' (Stripe event id ',
					h('code', { id: 'fct-webhook-last-event-' + mode, text: String(health.last_verified_event) }),
					')',
				]),
			] : ['Last genuine event from Stripe: none yet'];
			// Counts per reason code only: the sidecar keeps no request text of a refused delivery.
			const counts = Object.entries(health.refused || {}).map(([code, n]) => code + ' × ' + (Number(n) || 0));
			const refused = health.last_rejected_at ? [
				'Last refused delivery: ' + when(health.last_rejected_at) + ' — ',
				h('code', { text: String(health.last_rejected_reason || '') }),
				h('span', { className: 'fct-detail' }, [' (refused since the sidecar started: ' + counts.join(', ') + ')']),
			] : ['Last refused delivery: none'];
			box.appendChild(h('ul', { className: 'fct-health-facts' }, [
				h('li', { id: 'fct-webhook-last-verified-' + mode }, verified),
				h('li', { id: 'fct-webhook-last-rejected-' + mode }, refused),
				h('li', {}, [
					'Waiting to be applied: ', h('span', { id: 'fct-webhook-pending-' + mode, text: String(Number(health.pending) || 0) }),
					'; failed after every retry: ', h('span', { id: 'fct-webhook-dead-' + mode, text: String(Number(health.dead) || 0) }),
				]),
				h('li', {}, ['Ignored as not this store\'s (other apps on the same Stripe account): ', h('span', { id: 'fct-webhook-foreign-' + mode, text: String(Number(health.ignored_not_this_store) || 0) })]),
			]));
		}

		/* ------------------------------------------------------------ check, result */

		function renderCheck(check) {
			const list = els.check;
			list.textContent = '';
			const lines = isObject(check) && Array.isArray(check.checks) ? check.checks : [];
			lines.filter(isObject).forEach((line) => {
				const ok = line.ok === true;
				list.appendChild(h('li', {
					className: ok ? 'fct-check-ok' : 'fct-check-fail',
					attrs: { 'data-check': String(line.check || ''), 'data-ok': ok ? 'true' : 'false' },
				}, [
					h('span', { className: 'fct-check-mark', text: ok ? '✓' : '✗', attrs: { 'aria-hidden': 'true' } }),
					h('span', { className: 'screen-reader-text', text: ok ? 'OK: ' : 'Problem: ' }),
					' ' + String(line.message || ''),
					line.detail ? h('span', { className: 'fct-detail', text: ' (' + String(line.detail) + ')' }) : null,
				]));
			});
			(isObject(check) && Array.isArray(check.notes) ? check.notes : []).forEach((note) => {
				list.appendChild(h('li', { className: 'fct-check-note', text: String(note) }));
			});
			list.hidden = list.childNodes.length === 0;
		}

		function showResult(kind, text, detail) {
			els.result.className = 'fct-webhook-result fct-result-' + kind;
			els.result.textContent = text;
			if (detail) {
				els.result.appendChild(h('span', { className: 'fct-detail', text: ' (' + String(detail) + ')' }));
			}
		}

		function clearResult() {
			els.result.className = 'fct-webhook-result';
			els.result.textContent = '';
		}

		function setBusy(value) {
			busy = value;
			[els.register, els.test, els.recheck, els.replay].forEach((button) => {
				if (button) {
					button.disabled = value || button.getAttribute('data-unavailable') === 'true';
				}
			});
		}

		function run(method, path, body, done) {
			if (busy) {
				return;
			}
			setBusy(true);
			ctx.api(method, path, body).then((res) => {
				setBusy(false);
				done(res, isObject(res.body) ? res.body : {});
			});
		}

		function check() {
			if (busy) {
				return;
			}
			// The buttons wait for Stripe's answer: say so instead of greying them out without a word.
			showResult('info', 'Checking the ' + mode + ' webhook at Stripe…');
			run('GET', 'stripe/webhooks/' + mode, undefined, (res, body) => {
				if (res.ok) {
					clearResult();
					renderCheck(body);
					return;
				}
				showResult('error', 'The webhook could not be checked. ' + ctx.describeError(res));
			});
		}

		function register() {
			showResult('info', 'Registering the webhook at Stripe…');
			run('POST', 'stripe/webhooks/' + mode + '/register', undefined, (res, body) => {
				if (res.ok) {
					showResult('success', String(body.message || 'The webhook is registered.'), body.detail);
					// The signing secret is stored now, so a test event can be sent.
					els.test.setAttribute('data-unavailable', 'false');
					els.test.disabled = false;
					if (els.testHint) {
						els.testHint.hidden = true;
					}
					renderCheck(body.check);
					loadDead();
					return;
				}
				showResult('error', 'The webhook was not registered. ' + ctx.describeError(res));
			});
		}

		function sendTest() {
			showResult('info', 'Sending a test event…');
			run('POST', 'stripe/webhooks/' + mode + '/test', undefined, (res, body) => {
				if (res.ok) {
					const good = body.verdict === 'received_unmodified';
					showResult(good ? 'success' : 'error', String(body.message || ''));
					if (isObject(body.webhook_health)) {
						renderHealth(body.webhook_health);
					}
					return;
				}
				showResult('error', 'The test event was not sent. ' + ctx.describeError(res));
			});
		}

		/* ------------------------------------------------------------ dead letters */

		function renderDead(events) {
			const list = els.dead;
			list.textContent = '';
			events.filter(isObject).forEach((event) => {
				const error = event.last_error ? ' — ' + String(event.last_error).slice(0, 300) : '';
				list.appendChild(h('li', { attrs: { 'data-event-id': String(event.event_id || '') } }, [
					h('code', { text: String(event.event_id || '') }),
					' ' + String(event.type || '') + ', ' + String(Number(event.attempts) || 0) + ' attempts, received ' +
						when(event.received_at) + error,
				]));
			});
			if (!events.length) {
				list.appendChild(h('li', { className: 'fct-dead-none', text: 'No dead events.' }));
			}
			els.deadCount.textContent = events.length >= 20 ? '20 or more' : String(events.length);
			els.replay.setAttribute('data-unavailable', events.length ? 'false' : 'true');
			els.replay.disabled = busy || !events.length;
		}

		function loadDead() {
			ctx.api('GET', 'stripe/webhooks/events?status=dead&mode=' + mode + '&limit=20').then((res) => {
				const body = isObject(res.body) ? res.body : {};
				if (res.ok && Array.isArray(body.events)) {
					renderDead(body.events);
					return;
				}
				els.dead.textContent = '';
				els.dead.appendChild(h('li', { className: 'fct-warning', text: 'The failed events could not be listed. ' + ctx.describeError(res) }));
			});
		}

		function replayAll() {
			run('POST', 'stripe/webhooks/replay', { all_dead: true, mode: mode }, (res, body) => {
				if (res.ok) {
					showResult('success', String(body.message || 'Replayed.'));
					if (isObject(body.webhook_health) && isObject(body.webhook_health[mode])) {
						renderHealth(body.webhook_health[mode]);
					}
					loadDead();
					return;
				}
				showResult('error', 'The dead events were not replayed. ' + ctx.describeError(res));
			});
		}

		/* ------------------------------------------------------------ card */

		function button(id, text, onClick, unavailable) {
			return h('button', {
				type: 'button',
				id: id,
				className: 'button',
				text: text,
				disabled: !!unavailable,
				attrs: { 'data-unavailable': unavailable ? 'true' : 'false' },
				on: { click: onClick },
			});
		}

		els.health = h('div', { id: 'fct-webhook-health-' + mode, className: 'fct-webhook-health', attrs: { 'aria-live': 'polite' } });
		els.register = button('fct-register-webhook-' + mode, 'Register the webhook for me', register, !hasKey || constantSecret);
		els.register.className = 'button button-primary';
		els.test = button('fct-test-webhook-' + mode, 'Send a test event', sendTest, !hasSecret);
		els.recheck = button('fct-recheck-webhook-' + mode, 'Check the webhook', check, !hasKey);
		els.result = h('p', { id: 'fct-webhook-result-' + mode, className: 'fct-webhook-result', attrs: { role: 'status', 'aria-live': 'polite' } });
		els.check = h('ul', { id: 'fct-webhook-check-' + mode, className: 'fct-webhook-check', hidden: true });
		els.dead = h('ul', { id: 'fct-dead-events-' + mode, className: 'fct-dead-events' });
		els.replay = button('fct-replay-' + mode, 'Replay all dead events', replayAll, true);
		els.deadCount = h('span', { id: 'fct-failed-count-' + mode, text: '…' });

		let hint = '';
		if (!hasKey) {
			hint = 'Connect with Stripe or save a ' + mode + ' secret key to register the webhook.';
		} else if (constantSecret) {
			hint = 'The ' + mode + ' webhook signing secret is defined in wp-config.php, so the endpoint cannot be registered for you: add it in the Stripe Dashboard and put its signing secret in wp-config.php.';
		}
		els.testHint = hasSecret ? null : h('p', {
			className: 'description',
			text: 'A test event needs the ' + mode + ' webhook signing secret: register the webhook first.',
		});

		const card = h('div', { id: 'fct-webhook-tools-' + mode, className: 'fct-card fct-webhook-tools' }, [
			h('h3', { className: 'fct-step', text: '2. Webhook (' + label + ' mode)' }),
			h('p', { className: 'description', text: 'Stripe tells this site about payments, refunds and subscriptions through a webhook.' }),
			h('p', { className: 'fct-card-actions' }, [els.register, ' ', els.test, ' ', els.recheck]),
			hint ? h('p', { className: 'description', text: hint }) : null,
			els.testHint,
			els.result,
			els.check,
			els.health,
			h('details', { id: 'fct-failed-' + mode, className: 'fct-failed-events' }, [
				h('summary', {}, ['Failed events (', els.deadCount, ')']),
				h('p', { className: 'description', text: 'Events that could not be applied after every retry. Replaying puts them back in the queue.' }),
				els.dead,
				h('p', {}, [els.replay]),
			]),
		]);

		renderHealth(isObject(data.webhook_health) ? data.webhook_health : null);
		loadDead();
		if (hasKey) {
			check();
		}
		return card;
	}

	window.fctBridgeWebhooks = { section: section };
}());
