/*
 * Shared by the console (/console) and the invite page: the API key in sessionStorage, calls to
 * this server's /api routes, building elements with textContent only (no innerHTML anywhere, so
 * nothing from the API is ever parsed as HTML), and the error box with the API's field details.
 * Plain ES2017 for current browsers, no build step. Exposes one global: OG.
 */
(function () {
  'use strict';
  var STORE = 'openguilds.apiKey'; // the same key as /work: one signed-in tab serves both pages

  function $(id) {
    return document.getElementById(id);
  }

  function key() {
    try {
      return sessionStorage.getItem(STORE);
    } catch {
      return null;
    }
  }

  function setKey(value) {
    try {
      if (value) sessionStorage.setItem(STORE, value);
      else sessionStorage.removeItem(STORE);
      return true;
    } catch {
      return false;
    }
  }

  /** A random Idempotency-Key for one intent (a retry of the same click reuses it). */
  function intentKey() {
    if (window.crypto && crypto.randomUUID) return 'console-' + crypto.randomUUID();
    return 'console-' + Date.now() + '-' + Math.random().toString(36).slice(2);
  }

  /**
   * Calls this server's JSON API with the key in the Authorization header; resolves to
   * {status, body} (body null when there is none). Only /api/ paths: the key goes nowhere else.
   */
  function api(method, path, body, opts) {
    if (typeof path !== 'string' || path.indexOf('/api/') !== 0) return Promise.reject(new Error('not an API path'));
    var headers = { Accept: 'application/json' };
    var k = (opts && opts.key) || key();
    if (k) headers.Authorization = 'Bearer ' + k;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts && opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    }).then(function (res) {
      if (res.status === 204) return { status: 204, body: null };
      return res.json().then(
        function (json) {
          return { status: res.status, body: json };
        },
        function () {
          return { status: res.status, body: null };
        },
      );
    });
  }

  /** el('td', {className: 'num'}, 'text', child…): attributes as properties or data-/aria- attributes. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var v = attrs[name];
      if (v === undefined || v === null || v === false) return;
      if (name.indexOf('data-') === 0 || name.indexOf('aria-') === 0 || name === 'role' || name === 'for') node.setAttribute(name, String(v));
      else node[name] = v;
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function status(text) {
    $('status').textContent = text || '';
  }

  function clearError(form) {
    $('error').hidden = true;
    $('error-text').textContent = '';
    $('error-details').textContent = '';
    var scope = form || document;
    Array.prototype.forEach.call(scope.querySelectorAll('[aria-invalid="true"]'), function (input) {
      input.removeAttribute('aria-invalid');
    });
  }

  /** The field a detail names ("quality.labels[1]" → the labels input), inside the form. */
  function fieldFor(form, field) {
    if (!form || !field) return null;
    var path = String(field).replace(/\[\d+\]/g, '');
    while (path) {
      var found = form.querySelector('[data-field="' + (window.CSS && CSS.escape ? CSS.escape(path) : path) + '"]');
      if (found) return found;
      var dot = path.lastIndexOf('.');
      path = dot > 0 ? path.slice(0, dot) : '';
    }
    return null;
  }

  /**
   * Shows an API error (message and each field detail) in the alert box; marks the named inputs
   * invalid, and each detail is a button that moves the focus to its input.
   */
  function showError(result, form, fallback) {
    clearError(form);
    var body = result && result.body;
    var message = (body && body.error) || fallback || 'Something went wrong' + (result && result.status ? ' (' + result.status + ')' : '') + '.';
    $('error-text').textContent = message;
    var list = $('error-details');
    ((body && body.details) || []).forEach(function (d) {
      var input = fieldFor(form, d.field);
      var text = d.field + ' ' + d.message;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        var b = el('button', { type: 'button', className: 'link' }, text);
        b.addEventListener('click', function () {
          input.focus();
        });
        list.appendChild(el('li', {}, b));
      } else list.appendChild(el('li', {}, text));
    });
    $('error').hidden = false;
    status('');
    $('error').focus();
  }

  /** "2026-12-02T11:28:42.000Z" → "2026-12-02 11:28 UTC" */
  function when(iso) {
    return typeof iso === 'string' ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '';
  }

  window.OG = {
    $: $,
    key: key,
    setKey: setKey,
    intentKey: intentKey,
    api: api,
    el: el,
    status: status,
    clearError: clearError,
    showError: showError,
    when: when,
  };
})();
