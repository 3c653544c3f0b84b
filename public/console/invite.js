/*
 * The invite page (/invites/:id?token=…, where the mailed link /api/invites/:id/accept?token=…
 * sends a browser). It signs the person in (API key, or email + password via POST /api/sessions)
 * or signs them up (POST /api/register), then accepts with POST /api/invites/:id/accept?token=…,
 * exactly as an API client would. See docs/console.md.
 */
(function () {
  'use strict';
  var OG = window.OG;
  var $ = OG.$;
  var inviteId = (/^\/invites\/(\d+)\/?$/.exec(location.pathname) || [])[1];
  var token = new URLSearchParams(location.search).get('token') || '';

  function acceptPath() {
    return '/api/invites/' + inviteId + '/accept' + (token ? '?token=' + encodeURIComponent(token) : '');
  }

  function showAuth() {
    $('invite-signed-in').hidden = true;
    $('invite-done').hidden = true;
    $('invite-auth').hidden = false;
  }

  /** The guild's name, when the invite is addressed to this account's email (GET /api/me/invites). */
  function nameTheGuild() {
    return OG.api('GET', '/api/me/invites?limit=100').then(
      function (r) {
        var mine =
          r.status === 200
            ? r.body.data.filter(function (i) {
                return i.id === inviteId;
              })[0]
            : null;
        if (mine && mine.guild_name) $('invite-h').textContent = 'You are invited to ' + mine.guild_name;
      },
      function () {
        return null; // only a nicer heading: accepting does not depend on it
      },
    );
  }

  /** Shows who is signed in; resolves once the heading names the guild (when it can). */
  function showSignedIn(email) {
    $('invite-who').textContent = email;
    $('invite-auth').hidden = true;
    $('invite-done').hidden = true;
    $('invite-signed-in').hidden = false;
    return nameTheGuild();
  }

  function accept(newKey) {
    OG.clearError();
    OG.status('Accepting the invitation…');
    return OG.api('POST', acceptPath()).then(function (r) {
      if (r.status === 200) {
        $('invite-intro').hidden = true;
        $('invite-auth').hidden = true;
        $('invite-signed-in').hidden = true;
        $('invite-done-text').textContent =
          'You are now a member of this guild (member ' + r.body.id + ', ' + r.body.email + '). Subscribe to its tasks and claim work from your work page.';
        $('new-key').hidden = !newKey;
        $('new-key-value').textContent = newKey || '';
        $('invite-done').hidden = false;
        OG.status('Invitation accepted.');
        $('invite-done-h').focus();
        return;
      }
      var message;
      if (r.status === 409) message = 'This invitation was already accepted. Your work page lists the guilds you work in.';
      else if (r.status === 404)
        message = 'This invitation cannot be accepted by this account: it was revoked, the link is incomplete, or it was sent to another email address.';
      OG.showError(r, null, message);
      if (message) $('error-text').textContent = message;
    }, netError);
  }

  function netError() {
    OG.showError(null, null, 'The server could not be reached.');
  }

  /** Stores the key, checks it, and accepts; `shown` is a key the person has not seen yet. */
  function useKey(key, shown) {
    if (!OG.setKey(key)) return OG.showError(null, null, 'This browser does not allow sessionStorage, where the key is kept.');
    return OG.api('GET', '/api/me').then(function (r) {
      if (r.status !== 200) {
        OG.setKey(null);
        showAuth();
        return OG.showError(r, null, r.status === 401 ? 'That API key was not accepted.' : undefined);
      }
      return showSignedIn(r.body.email).then(function () {
        return accept(shown);
      });
    }, netError);
  }

  function onSession(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    OG.status('Signing in…');
    OG.api('POST', '/api/sessions', { email: $('signin-email').value, password: $('signin-password').value }).then(function (r) {
      if (r.status !== 201) return OG.showError(r, form, r.status === 401 ? 'Wrong email or password.' : undefined);
      $('signin-password').value = '';
      return useKey(r.body.api_key, null);
    }, netError);
  }

  function onKey(ev) {
    ev.preventDefault();
    var value = $('api-key').value.trim();
    $('api-key').value = '';
    OG.clearError();
    useKey(value, null);
  }

  function onRegister(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    OG.status('Creating your account…');
    var body = { email: $('signup-email').value, password: $('signup-password').value, password_confirmation: $('signup-confirm').value };
    OG.api('POST', '/api/register', body).then(function (r) {
      if (r.status !== 201) return OG.showError(r, form);
      form.reset();
      return useKey(r.body.api_key, r.body.api_key);
    }, netError);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('session-form').addEventListener('submit', onSession);
    $('key-form').addEventListener('submit', onKey);
    $('register-form').addEventListener('submit', onRegister);
    $('invite-accept').addEventListener('click', function () {
      accept(null);
    });
    $('invite-signout').addEventListener('click', function () {
      OG.setKey(null);
      showAuth();
      $('signin-email').focus();
    });
    if (!inviteId) return OG.showError(null, null, 'This invitation link is not valid.');
    if (!OG.key()) return showAuth();
    // signed in already in this tab (the console or /work): one click accepts
    OG.api('GET', '/api/me').then(function (r) {
      if (r.status === 200) showSignedIn(r.body.email);
      else {
        OG.setKey(null);
        showAuth();
      }
    }, netError);
  });
})();
