/**
 * The two static files of the worker pages, kept as strings so the build needs no copy step:
 * GET /work/assets/worker.css and GET /work/assets/work.js.
 */

export const WORKER_CSS = `:root { color-scheme: light; --ink: #1d1d1f; --muted: #555; --accent: #1f4f99; --ok: #1e6b3a; --bg: #fff; --line: #ccc; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5em; }
.skip:focus { left: .5em; }
header.site { padding: .75em 1.25em; background: #1d2b45; color: #fff; }
header.site .brand { font-weight: 700; }
header.site .sub { opacity: .85; }
main { max-width: 46em; margin: 0 auto; padding: 1.25em; }
h1 { font-size: 1.6em; margin: .5em 0; }
h2 { font-size: 1.2em; margin: 1.5em 0 .5em; }
.meta, .help { color: var(--muted); }
.help { font-size: .9em; margin: .25em 0 1em; }
figure.datum { margin: 1em 0; }
figure.datum img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figure.datum figcaption { color: var(--muted); font-size: .9em; }
label { display: block; font-weight: 600; margin-top: 1em; }
input[type=text], input[type=password] { font: inherit; padding: .5em; width: 100%; max-width: 24em; border: 1px solid #767676; border-radius: 4px; }
button, a.button { font: inherit; padding: .5em 1em; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; }
button:disabled { opacity: .6; cursor: not-allowed; }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; padding: .4em .6em; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; }
dl.params { display: grid; grid-template-columns: max-content 1fr; gap: .25em 1em; }
dl.params dt { font-weight: 600; }
dl.params dd { margin: 0; }
.ok { color: var(--ok); }
.notice { padding: .75em; border-left: 4px solid #c46200; background: #fff6ea; }
.status:empty { display: none; }
.status { padding: .5em .75em; background: #eef3fb; border-left: 4px solid var(--accent); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.actions { margin-top: 2em; }
`;

/**
 * The /work page's script. It talks only to this server's /api/ paths (relative URLs), with the
 * key from sessionStorage in the Authorization header, and renders with textContent only.
 */
export const WORK_JS = `(function () {
  'use strict';
  var STORE = 'openguilds.apiKey';
  var el = function (id) { return document.getElementById(id); };
  var status = function (text) { el('status').textContent = text || ''; };
  var guildNames = {};

  function key() { try { return sessionStorage.getItem(STORE); } catch (e) { return null; } }

  /** Calls this server's JSON API; the key is never sent anywhere else. */
  function api(path, method) {
    if (typeof path !== 'string' || path.indexOf('/api/') !== 0) return Promise.reject(new Error('not an API path'));
    return fetch(path, {
      method: method || 'GET',
      headers: { 'Accept': 'application/json', 'Authorization': 'Bearer ' + key() },
      credentials: 'omit', cache: 'no-store', redirect: 'error'
    }).then(function (res) {
      if (res.status === 204) return { status: 204, body: null };
      return res.json().then(function (body) { return { status: res.status, body: body }; }, function () { return { status: res.status, body: null }; });
    });
  }

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function guildName(id) { return guildNames[id] ? guildNames[id] + ' (#' + id + ')' : 'Guild #' + id; }

  function showSignedOut(message) {
    el('account').hidden = true;
    el('signin').hidden = false;
    status(message);
    el('api-key').focus();
  }

  function load() {
    return Promise.all([api('/api/me'), api('/api/guilds?role=member&limit=100'), api('/api/me/tasks?limit=100'), api('/api/wallets?limit=100')]).then(function (r) {
      var me = r[0], guilds = r[1], tasks = r[2], wallets = r[3];
      if (me.status === 401) {
        try { sessionStorage.removeItem(STORE); } catch (e) { /* ignore */ }
        showSignedOut('That API key was not accepted. Check it and sign in again.');
        return false;
      }
      if (me.status !== 200) { status('Could not load your account (' + me.status + ').'); return false; }
      el('who').textContent = me.body.email;
      if (guilds.status === 200) guilds.body.data.forEach(function (g) { guildNames[g.id] = g.name; });
      var tbody = el('tasks');
      tbody.textContent = '';
      var list = tasks.status === 200 ? tasks.body.data : [];
      list.forEach(function (t) {
        var row = document.createElement('tr');
        cell(row, t.name);
        cell(row, guildName(t.guild_id));
        cell(row, t.minimum_amount, 'num');
        cell(row, String(t.open_work_count), 'num').setAttribute('data-open-work', t.id);
        var td = document.createElement('td');
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Claim next';
        b.setAttribute('aria-label', 'Claim the next piece of work at ' + t.name);
        b.setAttribute('data-claim', t.id);
        b.disabled = !(t.open_work_count > 0);
        b.addEventListener('click', function () { claim(t, b); });
        td.appendChild(b);
        row.appendChild(td);
        tbody.appendChild(row);
      });
      el('no-tasks').hidden = list.length > 0;
      var wbody = el('wallets');
      wbody.textContent = '';
      (wallets.status === 200 ? wallets.body.data : []).forEach(function (w) {
        var row = document.createElement('tr');
        cell(row, guildName(w.guild_id));
        cell(row, w.balance, 'num').setAttribute('data-wallet', w.guild_id);
        wbody.appendChild(row);
      });
      el('signin').hidden = true;
      el('account').hidden = false;
      return true;
    }, function () { status('The server could not be reached.'); return false; });
  }

  function claim(task, button) {
    button.disabled = true;
    status('Claiming work at ' + task.name + '…');
    api('/api/tasks/' + encodeURIComponent(task.id) + '/claims', 'POST').then(function (r) {
      if (r.status === 201) {
        var url = r.body.workspace_url;
        if (typeof url === 'string' && /^https?:\\/\\//i.test(url)) {
          status('Opening the workspace…');
          window.location.assign(url);
        } else {
          status('Claimed assignment ' + r.body.id + ', but its task has no workspace to open.');
        }
        return;
      }
      if (r.status === 204) status('No open work at ' + task.name + ' right now.');
      else status((r.body && r.body.error) || ('Could not claim (' + r.status + ').'));
      return load();
    }, function () { status('The server could not be reached.'); button.disabled = false; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    el('signin-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var value = el('api-key').value.trim();
      if (!value) { status('Enter your API key.'); return; }
      try { sessionStorage.setItem(STORE, value); } catch (e) { status('This browser does not allow sessionStorage.'); return; }
      el('api-key').value = '';
      status('Signing in…');
      load().then(function (ok) { if (ok) { status('Signed in.'); el('tasks-h').focus(); } });
    });
    el('signout').addEventListener('click', function () {
      try { sessionStorage.removeItem(STORE); } catch (e) { /* ignore */ }
      showSignedOut('Signed out.');
    });
    el('refresh').addEventListener('click', function () { status('Refreshing…'); load().then(function (ok) { if (ok) status('Up to date.'); }); });
    el('tasks-h').tabIndex = -1;
    if (key()) load();
  });
})();
`;

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2b45"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>\n';
