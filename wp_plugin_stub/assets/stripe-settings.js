/**
 * FluentCart Stripe Bridge: the Stripe settings page.
 *
 * Renders the page from GET {restUrl}stripe/settings and saves with POST {restUrl}stripe/settings
 * {"changes": {...}}. Every request carries the wp_rest nonce in X-WP-Nonce. All data from the
 * server is written with textContent or attributes, never as HTML.
 *
 * The form itself holds the admin's edits: the view is rebuilt only after a successful load, save
 * or disconnect, so a failed save (bridge or database down, validation error) keeps what was typed
 * and Save can simply be clicked again.
 */
(function () {
	'use strict';

	const cfg = window.fctBridgeStripe || {};
	const MODES = ['live', 'test'];
	const TAB_LABELS = { live: 'Live mode', test: 'Test mode' };
	const MODE_NAMES = { live: 'Live', test: 'Test' };
	// The Connect return's fixed notice codes (class-fct-bridge-admin-page.php NOTICE_CODES): the URL
	// carries only a code, never text (issue 11, item 9).
	const RETURN_NOTICES = {
		connect_denied: ['warning', 'Connecting was cancelled on Stripe\'s page, so nothing was stored.'],
		connect_link_refused: ['error', 'This return from Stripe was not accepted: the link expired (after 10 minutes), was already used, or was started by another user. Nothing was stored; click Connect with Stripe to start again.'],
		connect_not_configured: ['error', 'Connect with Stripe is not set up on the Stripe bridge service, so nothing was stored. Enter your API keys instead.'],
		connect_failed: ['error', 'Stripe did not complete the connection, so nothing was stored. Click Connect with Stripe to try again; the Stripe bridge\'s log has the details.'],
		bridge_unavailable: ['error', 'The Stripe bridge service could not be reached, so the connection was not completed. Check that it is running, then connect again.'],
	};
	const KINDS = [
		{ kind: 'publishable_key', slug: 'publishable-key', label: 'Publishable key', secret: false },
		{ kind: 'secret_key', slug: 'secret-key', label: 'Secret key', secret: true },
		{ kind: 'webhook_secret', slug: 'webhook-secret', label: 'Webhook signing secret', secret: true },
	];
	const FIELD_LABELS = {
		is_active: 'Payment Activation',
		checkout_mode: 'Checkout Mode',
		payment_mode: 'Payment mode',
	};
	MODES.forEach((mode) => {
		KINDS.forEach((k) => {
			FIELD_LABELS[mode + '_' + k.kind] = (mode === 'live' ? 'Live ' : 'Test ') + k.label.toLowerCase();
		});
	});
	const RETRY_HINT = 'Your changes are still in the form; click Save Settings to try again.';
	const DECRYPT_WARNING = 'cannot decrypt — were LOGGED_IN_KEY/LOGGED_IN_SALT changed? Run fct-bridge secrets rotate on the server.';

	const app = document.getElementById('fct-bridge-stripe-app');
	if (!app) {
		return;
	}

	const els = {};
	let settings = null;
	let activeMode = 'test';
	// A Connect return's notice, worded once the settings (account, activation) are loaded.
	let pendingConnected = null;
	let saving = false;
	let copyTimer = null;

	/* ---------------------------------------------------------------- helpers */

	/**
	 * Create an element. attrs: properties (id, className, type, ...) except `text` (textContent),
	 * `attrs` (setAttribute pairs), `on` (event listeners). children: nodes or strings (text).
	 */
	function h(tag, attrs, children) {
		const node = document.createElement(tag);
		const opts = attrs || {};
		Object.keys(opts).forEach((key) => {
			const value = opts[key];
			if (key === 'text') {
				node.textContent = value;
			} else if (key === 'attrs') {
				Object.keys(value).forEach((name) => node.setAttribute(name, value[name]));
			} else if (key === 'on') {
				Object.keys(value).forEach((name) => node.addEventListener(name, value[name]));
			} else {
				node[key] = value;
			}
		});
		(children || []).forEach((child) => {
			if (child === null || child === undefined || child === false) {
				return;
			}
			node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
		});
		return node;
	}

	function byId(id) {
		return document.getElementById(id);
	}

	function isObject(value) {
		return value !== null && typeof value === 'object' && !Array.isArray(value);
	}

	/** Call a REST route; resolves {status, ok, body} (status 0 when WordPress was not reachable). */
	function api(method, path, body) {
		const options = {
			method: method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { 'X-WP-Nonce': cfg.nonce || '', Accept: 'application/json' },
		};
		if (body !== undefined) {
			options.headers['Content-Type'] = 'application/json';
			options.body = JSON.stringify(body);
		}
		return window.fetch((cfg.restUrl || '') + path, options).then(
			(response) => response.text().then((text) => {
				let data = null;
				try {
					data = text ? JSON.parse(text) : null;
				} catch (e) {
					data = null;
				}
				return { status: response.status, ok: response.ok, body: data };
			}),
			() => ({ status: 0, ok: false, body: null })
		);
	}

	/** A plain-language explanation of a failed request. */
	function describeError(res) {
		const body = isObject(res.body) ? res.body : {};
		const code = String(body.code || body.error || '');
		const detail = typeof body.detail === 'string' ? body.detail : '';
		const message = typeof body.message === 'string' ? body.message : '';

		if (res.status === 0) {
			return 'WordPress could not be reached. Check your connection and try again.';
		}
		if (code === 'database_unavailable') {
			return 'The database is unavailable, so nothing was changed' + (detail ? ' (' + detail + ')' : '') + '. Try again in a moment.';
		}
		if (code === 'fct_bridge_unavailable') {
			return message || 'The Stripe bridge service is not reachable. Check that it is running.';
		}
		if (code === 'fct_bridge_not_configured') {
			return message || 'The Stripe bridge is not configured in wp-config.php (FCT_BRIDGE_URL, FCT_BRIDGE_SECRET).';
		}
		if (code === 'unauthorized') {
			return 'The Stripe bridge service refused this site\'s signed request' + (detail ? ' (' + detail + ')' : '') +
				'. Check that FCT_BRIDGE_SECRET in wp-config.php is the secret the bridge uses and that both clocks are correct.';
		}
		if (code.indexOf('rest_') === 0 && (res.status === 401 || res.status === 403)) {
			return 'Your WordPress session has expired or you are not allowed to manage these settings. Reload the page and log in again if asked.';
		}
		if (res.status === 502 || res.status === 503) {
			return 'The Stripe bridge service is not reachable or not working properly' + (message || detail ? ': ' + (message || detail) : '.');
		}
		return message || detail || 'Unexpected answer from WordPress (HTTP ' + res.status + ').';
	}

	/* ---------------------------------------------------------------- notices */

	/** Show the page notice. kind: success | error | warning | info. items: optional list lines. */
	function showNotice(kind, text, items) {
		const notice = els.notice;
		notice.className = 'notice inline notice-' + kind;
		notice.textContent = '';
		notice.appendChild(h('p', { text: text }));
		if (items && items.length) {
			notice.appendChild(h('ul', { className: 'fct-notice-list' }, items.map((item) => h('li', { text: item }))));
		}
		notice.hidden = false;
		if (kind === 'error' || kind === 'warning') {
			notice.focus();
		}
	}

	function hideNotice() {
		els.notice.hidden = true;
		els.notice.textContent = '';
		els.notice.className = 'notice inline';
	}

	function clearFieldErrors() {
		app.querySelectorAll('.fct-field-error').forEach((slot) => {
			slot.textContent = '';
			slot.hidden = true;
		});
		app.querySelectorAll('[aria-invalid="true"]').forEach((input) => input.removeAttribute('aria-invalid'));
	}

	/** Put each field's message next to the field; returns "Label: reason" lines for the notice. */
	function showFieldErrors(fields) {
		const lines = [];
		const slots = app.querySelectorAll('.fct-field-error');
		Object.keys(fields).forEach((field) => {
			const reason = String(fields[field]);
			lines.push((FIELD_LABELS[field] || field) + ': ' + reason);
			slots.forEach((slot) => {
				if (slot.getAttribute('data-field') === field) {
					slot.textContent = reason;
					slot.hidden = false;
				}
			});
			app.querySelectorAll('[data-field-input="' + field.replace(/[^a-z_]/g, '') + '"]').forEach((input) => {
				input.setAttribute('aria-invalid', 'true');
			});
		});
		return lines;
	}

	function errorSlot(field) {
		return h('p', {
			id: 'fct-error-' + field,
			className: 'fct-field-error',
			hidden: true,
			attrs: { 'data-field': field },
		});
	}

	/* ---------------------------------------------------------------- skeleton */

	function buildSkeleton() {
		app.textContent = '';
		els.toggle = h('input', {
			type: 'checkbox',
			id: 'fct-payment-activation',
			className: 'fct-switch',
			disabled: true,
			attrs: { 'aria-describedby': 'fct-error-is_active', 'data-field-input': 'is_active' },
		});
		const header = h('div', { className: 'fct-header' }, [
			h('h1', { id: 'fct-title', text: 'Stripe' }),
		]);
		els.notice = h('div', {
			id: 'fct-notice',
			className: 'notice inline',
			hidden: true,
			tabIndex: -1,
			attrs: { 'aria-live': 'polite' },
		});
		els.view = h('div', { id: 'fct-view', className: 'fct-view' }, [
			h('p', { className: 'fct-loading', text: 'Loading Stripe settings…' }),
		]);
		app.appendChild(header);
		app.appendChild(els.notice);
		app.appendChild(els.view);
	}

	/* ---------------------------------------------------------------- rendering */

	/** The store's Order Mode is the payment mode: FluentCart takes payments with that mode's keys. */
	function storeMode(data) {
		return data.store_mode === 'live' ? 'live' : 'test';
	}

	function render(data) {
		settings = data;
		// Open on the payment mode in use, never on a tab merely viewed or saved last.
		activeMode = storeMode(data);
		els.toggle.checked = data.is_active === true;
		els.toggle.disabled = false;

		const view = els.view;
		view.textContent = '';
		view.appendChild(modeBanner(storeMode(data)));

		const form = h('form', {
			id: 'fct-settings-form',
			noValidate: true,
			attrs: { autocomplete: 'off' },
			on: { submit: onSave },
		});
		form.appendChild(tabs(storeMode(data)));
		MODES.forEach((mode) => form.appendChild(panel(mode, isObject(data.modes) ? data.modes[mode] || {} : {})));
		form.appendChild(webhookSection(data));
		form.appendChild(checkoutMode(data.checkout_mode === 'hosted' ? 'hosted' : 'onsite'));
		els.saveButton = h('button', {
			type: 'submit',
			id: 'fct-save',
			className: 'button button-primary',
			text: 'Save Settings',
		});
		form.appendChild(activation());
		form.appendChild(h('p', { className: 'submit fct-submit' }, [els.saveButton]));
		view.appendChild(form);
		selectTab(activeMode);
		if (pendingConnected) {
			showConnectedNotice(pendingConnected, data);
			pendingConnected = null;
		}
	}

	function modeBanner(mode) {
		const text = 'Payment mode: ' + MODE_NAMES[mode] + '. The store\'s Order Mode is ' + MODE_NAMES[mode] +
			', so Stripe takes payments with the ' + mode + ' credentials.';
		if (mode === 'live') {
			return h('p', { id: 'fct-mode-banner', className: 'fct-mode-note' }, [h('strong', { text: text })]);
		}
		return h('div', { id: 'fct-mode-banner', className: 'notice notice-warning inline' }, [
			h('p', {}, [
				h('strong', { text: text }),
				' No real money moves; switch the store\'s Order Mode to Live for real transactions.',
			]),
		]);
	}

	/** Step 4: Payment Activation, right above Save Settings (the guide's order). */
	function activation() {
		return h('fieldset', { id: 'fct-activation-step', className: 'fct-section fct-activation' }, [
			h('legend', { text: '3. Payment Activation' }),
			h('p', {}, [
				els.toggle,
				h('label', { htmlFor: 'fct-payment-activation', text: ' Offer Stripe at checkout' }),
			]),
			h('p', { className: 'description', text: 'Takes effect when you click Save Settings, like every setting on this page.' }),
			errorSlot('is_active'),
		]);
	}

	/** After a Connect return: what changed (only the mode's account) and what the admin does next. */
	function showConnectedNotice(mode, data) {
		const modeData = isObject(data.modes) && isObject(data.modes[mode]) ? data.modes[mode] : {};
		if (!modeData.account_id) {
			hideNotice(); // A link claiming a connection the settings do not show: say nothing.
			return;
		}
		const account = ' ' + String(modeData.account_id);
		let next;
		if (mode !== storeMode(data)) {
			next = 'The store is in ' + storeMode(data) + ' mode, so this account takes payments once the store\'s Order Mode is ' + MODE_NAMES[mode] + '.';
		} else if (data.is_active === true) {
			next = 'Payment Activation is on, so ' + mode + ' payments now go to this account.';
		} else {
			next = 'Payment Activation is still off: switch it on and click Save Settings to take ' + mode + ' payments.';
		}
		showNotice('success', 'Stripe account' + account + ' is connected in ' + mode + ' mode. Nothing else was changed. ' + next);
	}

	function tabs(inUse) {
		const list = h('div', {
			className: 'fct-tabs',
			attrs: { role: 'tablist', 'aria-label': 'Stripe credentials per mode' },
		});
		MODES.forEach((mode) => {
			list.appendChild(h('button', {
				type: 'button',
				id: 'fct-tab-' + mode,
				className: 'fct-tab',
				attrs: { role: 'tab', 'aria-controls': 'fct-panel-' + mode, 'data-mode': mode },
				on: {
					click: () => selectTab(mode),
					keydown: (event) => {
						if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
							event.preventDefault();
							const other = mode === 'live' ? 'test' : 'live';
							selectTab(other);
							byId('fct-tab-' + other).focus();
						}
					},
				},
			}, [
				TAB_LABELS[mode],
				mode === inUse ? h('span', { id: 'fct-tab-in-use', className: 'fct-badge', text: 'payment mode' }) : null,
			]));
		});
		return h('div', { className: 'fct-tabs-wrap' }, [
			list,
			h('p', { id: 'fct-payment-mode-hint', className: 'description', attrs: { 'aria-live': 'polite' } }),
		]);
	}

	/** Show a tab's panel. Viewing a tab changes nothing: the payment mode is the store's Order Mode. */
	function selectTab(mode) {
		activeMode = mode;
		MODES.forEach((m) => {
			const tab = byId('fct-tab-' + m);
			const panelNode = byId('fct-panel-' + m);
			const selected = m === mode;
			tab.setAttribute('aria-selected', selected ? 'true' : 'false');
			tab.tabIndex = selected ? 0 : -1;
			tab.classList.toggle('fct-tab-active', selected);
			panelNode.hidden = !selected;
		});
		const link = byId('fct-add-endpoint');
		if (link) {
			const href = settings && isObject(settings.add_endpoint_links) ? settings.add_endpoint_links[mode] : '';
			if (typeof href === 'string' && /^https:\/\//i.test(href)) {
				link.href = href;
			} else {
				link.removeAttribute('href');
			}
		}
		const hint = byId('fct-payment-mode-hint');
		const inUse = settings ? storeMode(settings) : mode;
		if (hint && mode === inUse) {
			hint.textContent = 'These are the credentials payments use now.';
		} else if (hint) {
			hint.textContent = 'Not in use: the store is in ' + inUse + ' mode. You can set up ' + mode +
				' here ahead of time; viewing or saving this tab does not change the payment mode.';
		}
	}

	function panel(mode, data) {
		const node = h('div', {
			id: 'fct-panel-' + mode,
			className: 'fct-panel',
			tabIndex: 0,
			attrs: { role: 'tabpanel', 'aria-labelledby': 'fct-tab-' + mode },
		});
		const wpConfig = data.defined_in_wp_config === true;
		node.appendChild(h('h3', { className: 'fct-step', text: '1. Stripe account' }));
		if (wpConfig) {
			node.appendChild(wpConfigBox(mode, data));
		} else if (data.account_id) {
			node.appendChild(accountCard(mode, data));
		} else if (isObject(data.account)) {
			node.appendChild(keysAccountCard(mode, data.account));
		} else {
			node.appendChild(connectCard(mode));
		}
		node.appendChild(manualKeys(mode, data, wpConfig));
		if (window.fctBridgeWebhooks) {
			// assets/stripe-webhooks.js: health, register, test event, check and dead letters of this mode.
			node.appendChild(window.fctBridgeWebhooks.section(mode, data, {
				h: h,
				api: api,
				describeError: describeError,
				isObject: isObject,
			}));
		}
		return node;
	}

	function sourceText(source) {
		if (source === 'wp-config') {
			return 'source: wp-config.php';
		}
		if (source === 'database') {
			return 'source: database';
		}
		return 'not set';
	}

	function readOnlyRow(label, value, source, field) {
		return h('div', { className: 'fct-readonly-row' }, [
			h('span', { className: 'fct-readonly-label', text: label + ': ' }),
			h('code', { text: value || '—' }),
			h('span', { className: 'fct-source', text: ' (' + sourceText(source) + ')' }),
			errorSlot(field),
		]);
	}

	function wpConfigBox(mode, data) {
		const secret = isObject(data.secret_key) ? data.secret_key : {};
		const account = isObject(data.account) ? data.account : null;
		return h('div', { id: 'fct-wpconfig-' + mode, className: 'fct-card fct-wpconfig' }, [
			h('p', { className: 'fct-card-title' }, [h('strong', { text: 'API keys defined in wp-config.php' })]),
			h('p', { className: 'description', text: 'These keys are defined in wp-config.php and can only be changed there.' }),
			account && account.account_id ? accountLine(mode, account.account_id) : null,
			account ? accountDetails(mode, account) : null,
			readOnlyRow('Publishable key', data.publishable_key, data.publishable_source, mode + '_publishable_key'),
			readOnlyRow('Secret key', secret.masked, secret.source, mode + '_secret_key'),
		]);
	}

	function accountLine(mode, accountId) {
		return h('p', {}, ['Account: ', h('code', { id: 'fct-account-id-' + mode, text: String(accountId) })]);
	}

	/** The account saved API keys belong to, as Stripe reports it (GET /v1/account with the key). */
	function keysAccountCard(mode, account) {
		return h('div', { id: 'fct-account-' + mode, className: 'fct-card fct-account' }, [
			h('p', { className: 'fct-card-title' }, [h('strong', { text: 'Stripe account of your API keys' })]),
			account.account_id ? accountLine(mode, account.account_id) : null,
			accountDetails(mode, account),
			h('p', { className: 'description', text: 'Another account: enter its keys below and save.' }),
		]);
	}

	/** Name, email and capabilities from Stripe's account API, or Stripe's error: never a broken page. */
	function accountDetails(mode, account) {
		if (typeof account.error === 'string') {
			return h('p', { id: 'fct-account-error-' + mode, className: 'fct-warning', text: 'Stripe could not be asked about this account: ' + account.error });
		}
		const yesNo = (value) => (value === true ? 'enabled' : 'not enabled');
		return h('ul', { id: 'fct-account-details-' + mode, className: 'fct-account-details' }, [
			h('li', { text: 'Name: ' + (account.display_name || '—') + ' · Email: ' + (account.email || '—') }),
			h('li', { text: 'Charges: ' + yesNo(account.charges_enabled) + ' · Payouts: ' + yesNo(account.payouts_enabled) }),
		]);
	}

	function accountCard(mode, data) {
		const reconnect = data.reconnect_needed === true;
		return h('div', { id: 'fct-account-' + mode, className: 'fct-card fct-account' }, [
			h('p', { className: 'fct-card-title' }, [h('strong', { text: 'Connected Stripe account' })]),
			accountLine(mode, data.account_id),
			accountDetails(mode, isObject(data.account) ? data.account : {}),
			reconnect ? h('p', {
				id: 'fct-reconnect-' + mode,
				className: 'fct-warning',
				text: 'Reconnect needed: the stored connection no longer works. Connect again to keep taking ' + mode + ' payments.',
			}) : null,
			h('p', { className: 'fct-card-actions' }, [
				reconnect ? connectButton(mode, 'Reconnect with Stripe') : null,
				h('button', {
					type: 'button',
					id: 'fct-disconnect-' + mode,
					className: 'button button-link-delete',
					text: 'Disconnect',
					on: { click: (event) => disconnect(mode, event.currentTarget) },
				}),
			]),
		]);
	}

	function connectCard(mode) {
		return h('div', { id: 'fct-connect-card-' + mode, className: 'fct-card fct-connect' }, [
			h('p', { text: 'Connect your Stripe account to take payments in ' + mode + ' mode, or enter API keys below.' }),
			h('p', {}, [connectButton(mode, 'Connect with Stripe')]),
		]);
	}

	function connectButton(mode, label) {
		return h('button', {
			type: 'button',
			id: 'fct-connect-' + mode,
			className: 'button button-primary fct-connect-button',
			text: label,
			on: { click: (event) => connect(mode, event.currentTarget) },
		});
	}

	function manualKeys(mode, data, wpConfig) {
		const section = h('details', {
			id: 'fct-keys-' + mode,
			className: 'fct-manual-keys',
			// Folded once an account is known (connected, or these keys' own): the card says which.
			open: !data.account_id && !(isObject(data.account) && data.account.account_id),
		}, [
			h('summary', { text: MODE_NAMES[mode] + ' API keys and webhook signing secret' + (data.account_id ? ' (Connect manages the keys)' : '') }),
			h('p', { className: 'description', text: 'Secret values are never shown. Leave a secret field empty to keep the stored value.' }),
		]);
		KINDS.forEach((k) => {
			const field = mode + '_' + k.kind;
			const info = k.secret ? (isObject(data[k.kind]) ? data[k.kind] : {}) : null;
			const source = k.secret ? info.source : data.publishable_source;
			if (source === 'wp-config') {
				if (wpConfig && k.kind !== 'webhook_secret') {
					return; // Already shown in the wp-config box, with its error slot.
				}
				section.appendChild(readOnlyRow(k.label, k.secret ? info.masked : data.publishable_key, source, field));
				return;
			}
			section.appendChild(k.secret ? secretInput(mode, k, field, info) : publishableInput(mode, k, field, data));
		});
		return section;
	}

	function publishableInput(mode, k, field, data) {
		const id = 'fct-' + mode + '-' + k.slug;
		const stored = data.publishable_source === 'database' && typeof data.publishable_key === 'string' ? data.publishable_key : '';
		const input = h('input', {
			type: 'text',
			id: id,
			className: 'regular-text code',
			value: stored,
			placeholder: 'pk_' + mode + '_…',
			spellcheck: false,
			attrs: {
				autocomplete: 'off',
				'aria-describedby': 'fct-error-' + field,
				'data-field-input': field,
				'data-initial': stored,
			},
		});
		return h('div', { className: 'fct-field' }, [
			h('label', { htmlFor: id, text: k.label }),
			input,
			errorSlot(field),
		]);
	}

	function secretInput(mode, k, field, info) {
		const id = 'fct-' + mode + '-' + k.slug;
		const example = k.kind === 'secret_key' ? 'sk_' + mode + '_…' : 'whsec_…';
		const undecryptable = info.source === 'database' && info.decryptable === false;
		let placeholder = example;
		if (typeof info.masked === 'string' && info.masked) {
			placeholder = info.masked + ' (stored)';
		} else if (undecryptable) {
			placeholder = 'stored value cannot be decrypted — enter it again';
		}
		const describedBy = ['fct-error-' + field];
		const children = [h('label', { htmlFor: id, text: k.label })];
		const input = h('input', {
			type: 'password',
			id: id,
			className: 'regular-text code',
			value: '',
			placeholder: placeholder,
			spellcheck: false,
			attrs: { autocomplete: 'new-password', 'data-field-input': field },
		});
		children.push(input);
		if (undecryptable) {
			describedBy.push(id + '-decrypt');
			children.push(h('p', { id: id + '-decrypt', className: 'fct-warning fct-decrypt-warning', text: DECRYPT_WARNING }));
		}
		if (info.source === 'database') {
			children.push(h('label', { className: 'fct-clear' }, [
				h('input', { type: 'checkbox', id: id + '-clear', attrs: { 'data-clears': field } }),
				' Remove the stored ' + k.label.toLowerCase(),
			]));
		}
		children.push(errorSlot(field));
		input.setAttribute('aria-describedby', describedBy.join(' '));
		return h('div', { className: 'fct-field' }, children);
	}

	function checkoutMode(current) {
		const options = [
			{ value: 'onsite', label: 'Embedded checkout (Recommended)' },
			{ value: 'hosted', label: 'Stripe Hosted checkout' },
		];
		return h('fieldset', { id: 'fct-checkout-mode', className: 'fct-section' }, [
			h('legend', { text: 'Checkout Mode' }),
		].concat(options.map((o) => h('label', { className: 'fct-radio' }, [
			h('input', {
				type: 'radio',
				name: 'fct-checkout-mode',
				id: 'fct-checkout-mode-' + o.value,
				value: o.value,
				checked: o.value === current,
				attrs: { 'data-field-input': 'checkout_mode' },
			}),
			' ' + o.label,
		]))).concat([
			h('p', {
				className: 'description',
				text: 'The checkout.session.completed event is only sent for Stripe Hosted checkout. ' +
					'Stripe Hosted checkout is recommended if you accept bank transfers.',
			}),
			errorSlot('checkout_mode'),
		]));
	}

	/** The webhook URL (the same for both modes) and, folded, the steps to add the endpoint by hand. */
	function webhookSection(data) {
		const events = Array.isArray(data.events) ? data.events.filter(isObject) : [];
		els.copyStatus = h('span', { id: 'fct-copy-status', className: 'fct-copy-status', attrs: { role: 'status', 'aria-live': 'polite' } });
		return h('div', { id: 'fct-webhook', className: 'fct-section' }, [
			h('h2', { text: 'Webhook URL and events (both modes)' }),
			h('p', { className: 'fct-webhook-line' }, [
				h('span', { id: 'fct-webhook-url-label', text: 'Webhook URL: ' }),
				h('code', { id: 'fct-webhook-url', text: typeof data.webhook_url === 'string' ? data.webhook_url : '', attrs: { 'aria-labelledby': 'fct-webhook-url-label' } }),
				' ',
				h('button', {
					type: 'button',
					id: 'fct-copy-webhook',
					className: 'button button-small',
					text: 'Copy',
					attrs: { 'aria-label': 'Copy webhook URL' },
					on: { click: copyWebhookUrl },
				}),
				' ',
				els.copyStatus,
			]),
			h('details', { id: 'fct-webhook-manual', className: 'fct-webhook-manual' }, [
				h('summary', { text: 'How to configure? (by hand, instead of “Register the webhook for me”)' }),
				h('ol', { className: 'fct-steps' }, [
					h('li', {}, [
						'In the Stripe Dashboard go to Developers > Webhooks > ',
						h('a', {
							id: 'fct-add-endpoint',
							target: '_blank',
							rel: 'noopener',
							text: 'Add endpoint',
							title: 'Opens the Stripe Dashboard in a new tab',
						}),
						'.',
					]),
					h('li', { text: 'Enter the Webhook URL shown above.' }),
					h('li', { text: 'Select the events listed under “Events the webhook carries”.' }),
					h('li', { text: 'Copy the endpoint\'s signing secret (whsec_…) into Webhook signing secret, then click Save Settings.' }),
				]),
			]),
			h('details', { id: 'fct-events-details', className: 'fct-webhook-manual' }, [
				h('summary', { id: 'fct-events-title', text: 'Events the webhook carries (' + events.length + ')' }),
				h('ul', { id: 'fct-events', className: 'fct-events', attrs: { 'aria-labelledby': 'fct-events-title' } }, events.map((event) => h('li', {
					attrs: { 'data-event': String(event.type || '') },
				}, [
					h('code', { text: String(event.type || '') }),
					event.description ? ' — ' + String(event.description) : '',
					event.connect_only === true ? h('em', { text: ' (only for an account connected with Connect with Stripe)' }) : null,
				]))),
			]),
		]);
	}

	/* ---------------------------------------------------------------- actions */

	function collectChanges() {
		const checked = app.querySelector('input[name="fct-checkout-mode"]:checked');
		const changes = {
			is_active: els.toggle.checked ? 'yes' : 'no',
			checkout_mode: checked ? checked.value : (settings.checkout_mode === 'hosted' ? 'hosted' : 'onsite'),
			// FluentCart remembers a tab; keep it on the mode in use so its own page agrees.
			payment_mode: storeMode(settings),
		};
		MODES.forEach((mode) => {
			KINDS.forEach((k) => {
				const field = mode + '_' + k.kind;
				const input = byId('fct-' + mode + '-' + k.slug);
				if (!input) {
					return; // Defined in wp-config.php: not editable here.
				}
				const value = input.value.trim();
				if (!k.secret) {
					if (value !== (input.getAttribute('data-initial') || '')) {
						changes[field] = value;
					}
					return;
				}
				const clear = byId(input.id + '-clear');
				if (value !== '') {
					changes[field] = value;
				} else if (clear && clear.checked) {
					changes[field] = '';
				}
			});
		});
		return changes;
	}

	function setSaving(busy) {
		saving = busy;
		if (els.saveButton) {
			els.saveButton.disabled = busy;
			els.saveButton.textContent = busy ? 'Saving…' : 'Save Settings';
		}
		app.setAttribute('aria-busy', busy ? 'true' : 'false');
	}

	function onSave(event) {
		event.preventDefault();
		if (saving || !settings) {
			return;
		}
		clearFieldErrors();
		setSaving(true);
		api('POST', 'stripe/settings', { changes: collectChanges() }).then((res) => {
			setSaving(false);
			const body = isObject(res.body) ? res.body : {};
			if (res.ok && isObject(body.settings)) {
				render(body.settings);
				showNotice('success', 'Settings saved.');
				return;
			}
			if (res.ok) {
				showNotice('success', 'Settings saved.');
				load();
				return;
			}
			const fields = isObject(body.fields) ? body.fields : (isObject(body.data) && isObject(body.data.fields) ? body.data.fields : null);
			if (fields) {
				const lines = showFieldErrors(fields);
				const detail = typeof body.detail === 'string' ? body.detail : (typeof body.message === 'string' ? body.message : '');
				const reason = detail ? ': ' + detail.replace(/[.\s]+$/, '') + '.' : '.';
				showNotice('error', 'The settings were not saved' + reason + ' Nothing was changed; correct the fields below and save again.', lines);
				return;
			}
			showNotice('error', describeError(res) + ' ' + RETRY_HINT);
		});
	}

	function connect(mode, button) {
		button.disabled = true;
		api('POST', 'stripe/connect/' + mode + '/start').then((res) => {
			button.disabled = false;
			const url = isObject(res.body) ? res.body.url : null;
			if (res.ok && typeof url === 'string' && /^https?:\/\//i.test(url)) {
				window.location.assign(url);
				return;
			}
			if (res.status === 404 || res.status === 501) {
				showNotice('warning', 'Connect is not available yet. Enter your API keys in the form instead.');
				return;
			}
			showNotice('error', 'Stripe Connect could not start. ' + describeError(res));
		});
	}

	function disconnect(mode, button) {
		const deactivates = settings && settings.is_active === true && storeMode(settings) === mode;
		const consequence = deactivates
			? ' The store takes payments in ' + mode + ' mode, so Payment Activation will be switched off.'
			: ' Nothing else changes: the store takes payments in ' + storeMode(settings || {}) + ' mode.';
		// eslint-disable-next-line no-alert
		if (!window.confirm('Disconnect the Stripe account from ' + mode + ' mode? ' + MODE_NAMES[mode] + ' payments stop until you connect again or enter API keys.' + consequence)) {
			return;
		}
		button.disabled = true;
		api('POST', 'stripe/connect/' + mode + '/disconnect').then((res) => {
			button.disabled = false;
			const body = isObject(res.body) ? res.body : {};
			if (res.ok) {
				if (isObject(body.settings)) {
					render(body.settings);
				} else {
					load();
				}
				showNotice('success', typeof body.message === 'string' && body.message ? body.message : 'Stripe account disconnected.');
				return;
			}
			if (res.status === 404 || res.status === 501) {
				showNotice('warning', 'Disconnect is not available yet.');
				return;
			}
			showNotice('error', 'The Stripe account could not be disconnected. ' + describeError(res));
		});
	}

	function copyWebhookUrl() {
		const text = byId('fct-webhook-url').textContent;
		const done = (ok) => {
			els.copyStatus.textContent = ok ? 'Copied' : 'Copy failed — select the URL and copy it manually.';
			window.clearTimeout(copyTimer);
			copyTimer = window.setTimeout(() => {
				els.copyStatus.textContent = '';
			}, 4000);
		};
		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(text).then(() => done(true), () => done(fallbackCopy(text)));
		} else {
			done(fallbackCopy(text));
		}
	}

	/** Copy through a temporary textarea (for http:// admin pages, where navigator.clipboard is missing). */
	function fallbackCopy(text) {
		const button = byId('fct-copy-webhook');
		const area = h('textarea', { value: text, readOnly: true, className: 'fct-offscreen', attrs: { 'aria-hidden': 'true' } });
		document.body.appendChild(area);
		area.select();
		let ok = false;
		try {
			ok = document.execCommand('copy');
		} catch (e) {
			ok = false;
		}
		document.body.removeChild(area);
		if (button) {
			button.focus();
		}
		return ok;
	}

	function load() {
		api('GET', 'stripe/settings').then((res) => {
			if (res.ok && isObject(res.body) && isObject(res.body.modes)) {
				render(res.body);
				return;
			}
			els.view.textContent = '';
			els.view.appendChild(h('p', {}, [
				h('button', {
					type: 'button',
					id: 'fct-retry',
					className: 'button',
					text: 'Try again',
					on: {
						click: () => {
							hideNotice();
							els.view.textContent = '';
							els.view.appendChild(h('p', { className: 'fct-loading', text: 'Loading Stripe settings…' }));
							load();
						},
					},
				}),
			]));
			showNotice('error', 'The Stripe settings could not be loaded. ' + describeError(res));
		});
	}

	/* ---------------------------------------------------------------- start */

	buildSkeleton();
	if (isObject(cfg.notice)) {
		if (cfg.notice.code === 'connected' && MODES.indexOf(cfg.notice.mode) !== -1) {
			pendingConnected = cfg.notice.mode; // Worded once the settings show the account.
		} else if (RETURN_NOTICES[cfg.notice.code]) {
			showNotice(RETURN_NOTICES[cfg.notice.code][0], RETURN_NOTICES[cfg.notice.code][1]);
		}
	}
	load();
}());
