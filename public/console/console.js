/*
 * The requester's console (/console). One static page; each view (#/guilds, #/guilds/:id,
 * #/tasks/:id, #/batches, #/batches/:id, #/money) is a <section> of it, filled from the same /api
 * routes a client calls, with the API key from sessionStorage. See docs/console.md.
 */
(function () {
  'use strict';
  var OG = window.OG;
  var $ = OG.$;
  var el = OG.el;
  var VIEWS = ['signin', 'guilds', 'guild', 'task', 'batches', 'batch', 'money'];
  /** run when the view is left (closes a progress stream) */
  var leaving = [];
  /** bumped on every navigation: a slow answer for a view already left is dropped */
  var generation = 0;
  var guildNames = {};
  /** what the next view says once shown (the outcome of the action that led to it) */
  var announce = null;

  function navigate(hash, message) {
    announce = message;
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function SignedOut(message) {
    this.message = message;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** GETs several API paths; a 401 anywhere signs out, another failure rejects with the result. */
  function load(paths) {
    var gen = generation;
    return Promise.all(
      paths.map(function (p) {
        return OG.api('GET', p);
      }),
    ).then(function (results) {
      if (gen !== generation) throw new Error('stale');
      results.forEach(function (r) {
        if (r.status === 401) throw new SignedOut('Your API key was not accepted any more. Sign in again.');
      });
      var bad = results.filter(function (r) {
        return r.status !== 200;
      })[0];
      if (bad) throw bad;
      return results.map(function (r) {
        return r.body;
      });
    });
  }

  function failed(err) {
    if (err && err.message === 'stale') return;
    if (err instanceof SignedOut) return signOut(err.message);
    if (err && typeof err.status === 'number') return OG.showError(err);
    OG.showError(null, null, 'The server could not be reached.');
  }

  function show(name) {
    VIEWS.forEach(function (v) {
      $('view-' + v).hidden = v !== name;
    });
    var hash = location.hash;
    Array.prototype.forEach.call(document.querySelectorAll('#nav a'), function (a) {
      var href = a.getAttribute('href');
      if (hash === href || hash.indexOf(href.replace(/s$/, '') + '/') === 0 || (href === '#/guilds' && hash.indexOf('#/tasks/') === 0)) {
        a.setAttribute('aria-current', 'page');
      } else a.removeAttribute('aria-current');
    });
  }

  /** Shows a view and moves the focus to its heading (a screen reader hears where it is). */
  function enter(name, title) {
    show(name);
    document.title = title + ' · OpenGuilds';
    var h = $('view-' + name).querySelector('h1');
    if (h) h.focus();
  }

  function cell(row, text, attrs) {
    var td = el('td', attrs || {}, text === null || text === undefined ? '' : String(text));
    row.appendChild(td);
    return td;
  }

  function linkCell(row, text, href) {
    row.appendChild(el('td', {}, el('a', { href: href }, text)));
  }

  function fill(tbodyId, rows) {
    var tbody = $(tbodyId);
    tbody.textContent = '';
    rows.forEach(function (r) {
      tbody.appendChild(r);
    });
  }

  function guildLabel(id) {
    return guildNames[id] ? guildNames[id] : 'Guild #' + id;
  }

  function rememberGuilds(list) {
    (list || []).forEach(function (g) {
      guildNames[g.id] = g.name;
    });
  }

  function progressCell(row, batch) {
    var td = el('td', {});
    td.appendChild(el('progress', { max: 100, value: batch.progress, 'aria-label': 'Batch ' + batch.id + ' progress' }));
    td.appendChild(document.createTextNode(' ' + batch.progress.toFixed(1) + ' %'));
    row.appendChild(td);
  }

  function batchRow(b, withGuild) {
    var row = el('tr', { 'data-batch': b.id });
    linkCell(row, 'Batch ' + b.id, '#/batches/' + b.id);
    if (withGuild) cell(row, guildLabel(b.guild_id));
    cell(row, b.status);
    cell(row, b.data_count, { className: 'num' });
    progressCell(row, b);
    cell(row, b.cost, { className: 'num' });
    cell(row, OG.when(b.created));
    return row;
  }

  // ---- sign in / out --------------------------------------------------------------------------

  function showSignIn(message) {
    leaveView();
    $('nav').hidden = true;
    $('who').textContent = '';
    enter('signin', 'Requester console');
    if (message) OG.showError(null, null, message);
    $('api-key').focus();
  }

  function signOut(message) {
    OG.setKey(null);
    showSignIn(message);
    if (!message) OG.status('Signed out.');
  }

  function signIn() {
    return OG.api('GET', '/api/me').then(function (r) {
      if (r.status === 401) {
        signOut('That API key was not accepted. Check it and sign in again.');
        return false;
      }
      if (r.status !== 200) {
        OG.showError(r);
        return false;
      }
      $('who').textContent = r.body.email;
      $('nav').hidden = false;
      return true;
    }, failed);
  }

  // ---- guilds ---------------------------------------------------------------------------------

  function viewGuilds() {
    return load(['/api/guilds?limit=100']).then(function (r) {
      var guilds = r[0].data;
      rememberGuilds(guilds);
      fill(
        'guilds',
        guilds.map(function (g) {
          var row = el('tr', { 'data-guild': g.id });
          linkCell(row, g.name, '#/guilds/' + g.id);
          cell(row, g.description);
          cell(row, (g.input_parameters || []).join(', '));
          cell(row, OG.when(g.created));
          return row;
        }),
      );
      $('no-guilds').hidden = guilds.length > 0;
      enter('guilds', 'Your guilds');
    });
  }

  function createGuild(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    var params = $('guild-params')
      .value.split(',')
      .map(function (s) {
        return s.trim();
      })
      .filter(Boolean);
    OG.status('Creating the guild…');
    OG.api('POST', '/api/guilds', { name: $('guild-name').value, description: $('guild-description').value, input_parameters: params }).then(function (r) {
      if (r.status !== 201) return OG.showError(r, form);
      form.reset();
      navigate('#/guilds/' + r.body.id, 'Guild “' + r.body.name + '” created.');
    }, failed);
  }

  function qualitySummary(q) {
    if (!q) return 'One answer, approved at once';
    var parts = [];
    if (q.answer) parts.push('answer “' + q.answer + '”');
    if (q.labels) parts.push(q.labels.length + ' labels');
    parts.push('overlap ' + (q.overlap.min === q.overlap.max ? q.overlap.min : q.overlap.min + '–' + q.overlap.max) + ' at ' + q.overlap.confidence);
    parts.push(q.aggregation === 'dawid_skene' ? 'Dawid–Skene' : 'majority');
    if (q.gold_rate) parts.push('gold ' + Math.round(q.gold_rate * 1000) / 10 + ' %');
    parts.push(q.review.mode + ' review');
    return parts.join(', ');
  }

  function viewGuild(gid) {
    var paths = [
      '/api/guilds/' + gid,
      '/api/guilds/' + gid + '/tasks?limit=100',
      '/api/batches?limit=100',
      '/api/guilds/' + gid + '/members?limit=100',
      '/api/guilds/' + gid + '/invites?limit=100',
    ];
    return load(paths).then(function (r) {
      var guild = r[0];
      var tasks = r[1].data;
      guildNames[guild.id] = guild.name;
      $('guild-h').textContent = guild.name;
      $('guild-meta').textContent =
        guild.description + ' · input parameters: ' + ((guild.input_parameters || []).join(', ') || 'none') + ' · guild ' + guild.id;
      fill(
        'tasks',
        tasks.map(function (t) {
          var row = el('tr', { 'data-task': t.id });
          linkCell(row, t.name, '#/tasks/' + t.id);
          cell(row, t.minimum_amount, { className: 'num' });
          cell(row, t.workspace ? t.workspace.name : 'none');
          cell(row, qualitySummary(t.quality));
          return row;
        }),
      );
      $('no-tasks').hidden = tasks.length > 0;
      $('new-task-link').href = '#/guilds/' + gid + '/tasks/new';
      fill(
        'guild-batches',
        r[2].data
          .filter(function (b) {
            return b.guild_id === guild.id;
          })
          .map(function (b) {
            return batchRow(b, false);
          }),
      );
      $('batch-form').setAttribute('data-guild', guild.id);
      $('invite-form').setAttribute('data-guild', guild.id);
      fill(
        'members',
        r[3].data.map(function (m) {
          var row = el('tr', {});
          cell(row, m.email);
          cell(row, typeof m.quality_score === 'number' ? m.quality_score.toFixed(2) : '', { className: 'num' });
          cell(row, m.credit, { className: 'num' });
          return row;
        }),
      );
      fill(
        'invites',
        r[4].data.map(function (i) {
          var row = el('tr', {});
          cell(row, i.email);
          cell(row, i.status);
          cell(row, OG.when(i.created));
          return row;
        }),
      );
      enter('guild', guild.name);
    });
  }

  /** One JSON array, or one JSON object per line. */
  function parseData(text) {
    var t = text.trim();
    if (t.charAt(0) === '[') return JSON.parse(t);
    return t
      .split('\n')
      .map(function (line) {
        return line.trim();
      })
      .filter(Boolean)
      .map(function (line) {
        return JSON.parse(line);
      });
  }

  function createBatch(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    var data;
    try {
      data = parseData($('batch-data').value);
    } catch (e) {
      $('batch-data').setAttribute('aria-invalid', 'true');
      return OG.showError(null, form, 'The data are not valid JSON: ' + e.message);
    }
    OG.status('Creating the batch…');
    OG.api('POST', '/api/guilds/' + form.getAttribute('data-guild') + '/batches', { batch: { data: data } }).then(function (r) {
      if (r.status !== 201) return OG.showError(r, form);
      form.reset();
      navigate('#/batches/' + r.body.id, 'Batch ' + r.body.id + ' created: ' + r.body.data_count + ' data, ' + r.body.cost + '.');
    }, failed);
  }

  function sendInvite(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    var gid = form.getAttribute('data-guild');
    OG.api('POST', '/api/guilds/' + gid + '/invites', { email: $('invite-email').value }).then(function (r) {
      if (r.status !== 201) return OG.showError(r, form);
      form.reset();
      viewGuild(gid).then(function () {
        OG.status('Invitation to ' + r.body.email + ' is on its way.');
      }, failed);
    }, failed);
  }

  // ---- tasks ----------------------------------------------------------------------------------

  /**
   * Sections shown under a task's settings, one per part of the API about a task. The review
   * queue (API.md §12: approve, reject with reason and message, approve many, appeals) and the
   * worker skills (§11.4, GET /api/tasks/:id/workers) are added here as their routes land:
   * {id, title, applies(task), paths(task), render(task, bodies, container)}.
   */
  var TASK_SECTIONS = [
    {
      id: 'gold',
      title: 'Control answers (gold)',
      applies: function (t) {
        return !!(t.quality && t.quality.labels);
      },
      paths: function (t) {
        return ['/api/tasks/' + t.id + '/gold?limit=100'];
      },
      render: function (t, bodies, box) {
        var gold = bodies[0].data;
        if (!gold.length) {
          box.appendChild(el('p', {}, 'No control answers yet (POST /api/tasks/' + t.id + '/gold adds them).'));
          return;
        }
        var tbody = el('tbody', {});
        gold.forEach(function (g) {
          var row = el('tr', {});
          cell(row, g.id);
          cell(row, paramsText(g.parameters));
          cell(row, g.answer);
          cell(row, g.answers_count, { className: 'num' });
          cell(row, g.accuracy === null ? '—' : g.accuracy, { className: 'num' });
          tbody.appendChild(row);
        });
        var head = el('tr', {}, el('th', { scope: 'col' }, 'Gold'), el('th', { scope: 'col' }, 'Parameters'), el('th', { scope: 'col' }, 'Answer'));
        head.appendChild(el('th', { scope: 'col', className: 'num' }, 'Served'));
        head.appendChild(el('th', { scope: 'col', className: 'num' }, 'Accuracy'));
        box.appendChild(el('table', { 'aria-label': 'Control answers' }, el('thead', {}, head), tbody));
      },
    },
  ];

  function renderTaskSections(task) {
    var container = $('task-sections');
    container.textContent = '';
    TASK_SECTIONS.filter(function (s) {
      return s.applies(task);
    }).forEach(function (s) {
      var box = el('section', { 'aria-labelledby': 'section-' + s.id + '-h' }, el('h2', { id: 'section-' + s.id + '-h' }, s.title));
      container.appendChild(box);
      load(s.paths(task)).then(function (bodies) {
        s.render(task, bodies, box);
      }, failed);
    });
  }

  function setValue(id, v) {
    $(id).value = v === null || v === undefined ? '' : String(v);
  }

  function numberOf(id) {
    var raw = $(id).value.trim();
    if (raw === '') return undefined;
    var n = Number(raw);
    return isNaN(n) ? raw : n; // the API names a non-number in its 422
  }

  function qualityShown() {
    $('q-fields').hidden = !$('q-on').checked;
  }

  function fillTaskForm(task, workspaces) {
    var select = $('task-workspace');
    select.textContent = '';
    select.appendChild(el('option', { value: '' }, 'No workspace'));
    var current = task && task.workspace ? /(\d+)$/.exec(task.workspace.link) : null;
    workspaces.forEach(function (w) {
      select.appendChild(el('option', { value: w.id, selected: !!(current && current[1] === w.id) }, w.name + ' (' + w.permissions + ')'));
    });
    if (!task && workspaces.length) select.value = workspaces[0].id;
    setValue('task-name', task && task.name);
    setValue('task-reward', task && task.minimum_amount_cents);
    setValue('task-lease', task ? task.lease_seconds : 1800);
    var q = task && task.quality;
    $('q-on').checked = !!q;
    setValue('q-answer', q && q.answer);
    $('q-labels').value = q && q.labels ? q.labels.join('\n') : '';
    setValue('q-min', q ? q.overlap.min : 1);
    setValue('q-max', q ? q.overlap.max : 1);
    setValue('q-confidence', q ? q.overlap.confidence : 0.95);
    setValue('q-aggregation', q ? q.aggregation : '');
    setValue('q-gold-rate', q ? q.gold_rate : 0);
    setValue('q-qual-gold', q ? q.qualification.gold : 0);
    setValue('q-qual-acc', q ? q.qualification.min_accuracy : 0.8);
    setValue('q-min-quality', q && q.min_quality);
    setValue('q-review', q ? q.review.mode : 'auto');
    setValue('q-auto-approve', q ? q.review.auto_approve_after : 259200);
    $('q-ar-gold').checked = !!(q && q.auto_reject.indexOf('gold_mismatch') >= 0);
    $('q-ar-consensus').checked = !!(q && q.auto_reject.indexOf('consensus') >= 0);
    qualityShown();
  }

  /** The quality object as the form holds it: empty fields are left out (the API fills defaults). */
  function readQuality() {
    if (!$('q-on').checked) return null;
    var q = {};
    var answer = $('q-answer').value.trim();
    if (answer) q.answer = answer;
    var labels = $('q-labels')
      .value.split('\n')
      .map(function (l) {
        return l.trim();
      })
      .filter(Boolean);
    if (labels.length) q.labels = labels;
    var overlap = { min: numberOf('q-min'), max: numberOf('q-max'), confidence: numberOf('q-confidence') };
    if (overlap.min !== undefined || overlap.max !== undefined || overlap.confidence !== undefined) q.overlap = overlap;
    if ($('q-aggregation').value) q.aggregation = $('q-aggregation').value;
    if (numberOf('q-gold-rate') !== undefined) q.gold_rate = numberOf('q-gold-rate');
    var qualification = { gold: numberOf('q-qual-gold'), min_accuracy: numberOf('q-qual-acc') };
    if (qualification.gold !== undefined || qualification.min_accuracy !== undefined) q.qualification = qualification;
    if (numberOf('q-min-quality') !== undefined) q.min_quality = numberOf('q-min-quality');
    q.review = { mode: $('q-review').value, auto_approve_after: numberOf('q-auto-approve') };
    q.auto_reject = [$('q-ar-gold'), $('q-ar-consensus')]
      .filter(function (c) {
        return c.checked;
      })
      .map(function (c) {
        return c.value;
      });
    return JSON.parse(JSON.stringify(q)); // drops the undefined members
  }

  /** #/guilds/:gid/tasks/new (taskId null) or #/tasks/:id */
  function viewTask(gid, taskId) {
    var paths = taskId ? ['/api/tasks/' + taskId, '/api/workspaces?limit=100'] : ['/api/guilds/' + gid, '/api/workspaces?limit=100'];
    return load(paths).then(function (r) {
      var task = taskId ? r[0] : null;
      var guildId = task ? task.guild_id : r[0].id;
      if (!task) guildNames[guildId] = r[0].name;
      var form = $('task-form');
      form.setAttribute('data-guild', guildId);
      form.setAttribute('data-task', task ? task.id : '');
      $('task-guild-link').href = '#/guilds/' + guildId;
      $('task-guild-link').textContent = guildLabel(guildId);
      $('task-h').textContent = task ? 'Task: ' + task.name : 'New task';
      $('task-save').textContent = task ? 'Save task' : 'Create task';
      fillTaskForm(task, r[1].data);
      $('task-sections').textContent = '';
      if (task) renderTaskSections(task);
      enter('task', task ? task.name : 'New task');
    });
  }

  function saveTask(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    var taskId = form.getAttribute('data-task');
    var body = { name: $('task-name').value, minimum_amount_cents: numberOf('task-reward') };
    var lease = numberOf('task-lease');
    if (lease !== undefined) body.lease_seconds = lease;
    var ws = $('task-workspace').value;
    if (ws) body.workspace_id = ws;
    else if (taskId) body.workspace_id = null;
    var quality = readQuality();
    if (quality || taskId) body.quality = quality; // PATCH: null removes the settings
    OG.status(taskId ? 'Saving the task…' : 'Creating the task…');
    var req = taskId ? OG.api('PATCH', '/api/tasks/' + taskId, body) : OG.api('POST', '/api/guilds/' + form.getAttribute('data-guild') + '/tasks', body);
    req.then(function (r) {
      if (r.status !== 200 && r.status !== 201) return OG.showError(r, form);
      var done = 'Task “' + r.body.name + '” ' + (taskId ? 'saved.' : 'created.');
      if (taskId) {
        fillTaskForm(r.body, Array.prototype.map.call($('task-workspace').options, optionToWorkspace).filter(Boolean));
        $('task-h').textContent = 'Task: ' + r.body.name;
        renderTaskSections(r.body);
        OG.status(done);
      } else navigate('#/tasks/' + r.body.id, done);
    }, failed);
  }

  function optionToWorkspace(o) {
    if (!o.value) return null;
    return { id: o.value, name: o.textContent.replace(/ \((open|closed)\)$/, ''), permissions: /\((open|closed)\)$/.exec(o.textContent)[1] };
  }

  // ---- batches --------------------------------------------------------------------------------

  function viewBatches() {
    var s = $('batches-status').value;
    return load(['/api/batches?limit=100' + (s ? '&status=' + s : ''), '/api/guilds?limit=100']).then(function (r) {
      rememberGuilds(r[1].data);
      fill(
        'batches',
        r[0].data.map(function (b) {
          return batchRow(b, true);
        }),
      );
      $('no-batches').hidden = r[0].data.length > 0;
      enter('batches', 'Batches');
    });
  }

  function setProgress(p) {
    $('batch-progress').value = p.progress;
    $('batch-progress-text').textContent = p.data_completed_count + ' of ' + p.data_count + ' data completed (' + Number(p.progress).toFixed(1) + ' %)';
    $('batch-count').textContent = p.data_count + ' (' + p.data_completed_count + ' completed)';
  }

  function setBatchStatus(s) {
    $('batch-status').textContent = s;
    $('batch-status').setAttribute('data-status', s);
    $('batch-pay').hidden = s !== 'unpaid';
    $('batch-cancel').hidden = s !== 'unpaid' && s !== 'processing';
  }

  /**
   * The live progress of §13.3, read with fetch (the stream needs the API key header, which
   * EventSource cannot send). Reconnects with Last-Event-ID when the stream drops before its end.
   */
  function followProgress(batchId, onEvent) {
    var ctrl = new AbortController();
    var lastId = null;
    var over = false;
    var retryMs = 2000;
    leaving.push(function () {
      over = true;
      ctrl.abort();
    });

    function dispatch(block) {
      var ev = { event: 'message', data: '' };
      block.split('\n').forEach(function (line) {
        if (!line || line.charAt(0) === ':') return;
        var i = line.indexOf(':');
        var field = i < 0 ? line : line.slice(0, i);
        var value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') ev.event = value;
        else if (field === 'data') ev.data += value;
        else if (field === 'id') lastId = value;
        else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
      });
      if (!ev.data) return;
      if (ev.event === 'completed' || ev.event === 'canceled') over = true;
      onEvent(ev.event, JSON.parse(ev.data));
    }

    function again() {
      if (!over) setTimeout(connect, retryMs);
    }

    function connect() {
      if (over) return;
      var headers = { Accept: 'text/event-stream', Authorization: 'Bearer ' + OG.key() };
      if (lastId) headers['Last-Event-ID'] = lastId;
      fetch('/api/batches/' + batchId + '/events', { headers: headers, signal: ctrl.signal, credentials: 'omit', cache: 'no-store' })
        .then(function (res) {
          if (res.status !== 200) {
            over = true;
            return res.json().then(
              function (body) {
                OG.showError({ status: res.status, body: body });
              },
              function () {
                OG.showError({ status: res.status, body: null });
              },
            );
          }
          var reader = res.body.getReader();
          var decoder = new TextDecoder();
          var buffer = '';
          var pump = function () {
            return reader.read().then(function (chunk) {
              if (chunk.done) return again();
              buffer = (buffer + decoder.decode(chunk.value, { stream: true })).replace(/\r\n?/g, '\n');
              var end;
              while ((end = buffer.indexOf('\n\n')) >= 0) {
                dispatch(buffer.slice(0, end));
                buffer = buffer.slice(end + 2);
              }
              return pump();
            });
          };
          return pump();
        })
        .catch(function (e) {
          if (e && e.name === 'AbortError') return;
          again();
        });
    }
    connect();
  }

  var results = { batchId: null, rows: [], hasMore: false, taskNames: {} };

  function paramsText(params) {
    var text = Object.keys(params || {})
      .map(function (k) {
        var v = params[k];
        return k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v));
      })
      .join('; ');
    return text.length > 200 ? text.slice(0, 199) + '…' : text;
  }

  function renderResults() {
    var task = $('results-task').value;
    var needle = $('results-text').value.trim().toLowerCase();
    var shown = results.rows.filter(function (r) {
      if (task && r.task_id !== task) return false;
      if (!needle) return true;
      return (r.datum_id + ' ' + (r.answer || '') + ' ' + JSON.stringify(r.parameters)).toLowerCase().indexOf(needle) >= 0;
    });
    fill(
      'results',
      shown.map(function (r) {
        var row = el('tr', { 'data-result': r.id });
        cell(row, r.datum_id);
        cell(row, results.taskNames[r.task_id] || 'Task ' + r.task_id);
        cell(row, r.answer === null ? '—' : r.answer);
        cell(row, r.confidence === null ? '—' : r.confidence.toFixed(2), { className: 'num' });
        cell(row, r.answers_count, { className: 'num' });
        cell(row, paramsText(r.parameters), { title: JSON.stringify(r.parameters) });
        return row;
      }),
    );
    $('results-count').textContent =
      'Showing ' +
      shown.length +
      ' of ' +
      results.rows.length +
      ' loaded result' +
      (results.rows.length === 1 ? '' : 's') +
      (results.hasMore ? ' (more to load)' : '') +
      '.';
    $('results-more').hidden = !results.hasMore;
  }

  function loadResults(batchId, after) {
    var path = '/api/batches/' + batchId + '/results?limit=100' + (after ? '&starting_after=' + after : '');
    return load([path]).then(function (r) {
      if (results.batchId !== batchId) return;
      results.rows = after ? results.rows.concat(r[0].data) : r[0].data;
      results.hasMore = r[0].has_more;
      renderResults();
    });
  }

  function viewBatch(id) {
    return load(['/api/batches/' + id]).then(function (r) {
      var batch = r[0];
      return load(['/api/guilds/' + batch.guild_id + '/tasks?limit=100']).then(function (t) {
        var tasks = t[0].data;
        $('batch-h').textContent = 'Batch ' + batch.id;
        $('batch-guild-link').href = '#/guilds/' + batch.guild_id;
        $('batch-guild-link').textContent = guildLabel(batch.guild_id);
        // spent / refunded / gold (§11.1) once the quality integration adds them to the Batch
        var more = ['spent', 'refunded', 'gold']
          .filter(function (k) {
            return typeof batch[k] === 'string';
          })
          .map(function (k) {
            return k + ' ' + batch[k];
          });
        $('batch-cost').textContent = batch.cost + (more.length ? ' (' + more.join(', ') + ')' : '');
        setBatchStatus(batch.status);
        setProgress(batch);
        var pay = $('batch-pay-button');
        pay.textContent = 'Pay ' + batch.cost;
        pay.disabled = false;
        pay.setAttribute('data-intent', OG.intentKey());
        var select = $('results-task');
        select.textContent = '';
        select.appendChild(el('option', { value: '' }, 'All tasks'));
        results = { batchId: batch.id, rows: [], hasMore: false, taskNames: {} };
        tasks.forEach(function (task) {
          results.taskNames[task.id] = task.name;
          select.appendChild(el('option', { value: task.id }, task.name));
        });
        $('results-text').value = '';
        $('export-curl').textContent = 'curl -u KEY: "' + location.origin + '/api/batches/' + batch.id + '/results?format=csv" -o results.csv';
        $('view-batch').setAttribute('data-batch', batch.id);
        enter('batch', 'Batch ' + batch.id);
        if (batch.status === 'processing') watch(batch.id);
        return loadResults(batch.id);
      });
    });
  }

  function watch(batchId) {
    followProgress(batchId, function (event, p) {
      setProgress(p);
      if (event === 'completed' || event === 'canceled') {
        setBatchStatus(event);
        OG.status('Batch ' + batchId + ' is ' + event + '.');
        if (event === 'completed') loadResults(batchId).catch(failed);
      }
    });
  }

  function payBatch() {
    var id = $('view-batch').getAttribute('data-batch');
    var button = $('batch-pay-button');
    OG.clearError();
    button.disabled = true;
    OG.status('Paying batch ' + id + '…');
    OG.api('POST', '/api/batches/' + id + '/debits', undefined, { idempotencyKey: button.getAttribute('data-intent') }).then(
      function (r) {
        if (r.status !== 201) {
          button.disabled = false;
          // a refused payment is final for that attempt: the next click is a new intent
          button.setAttribute('data-intent', OG.intentKey());
          return OG.showError(r);
        }
        leaveView();
        viewBatch(id).then(function () {
          OG.status('Paid ' + r.body.amount + ': the work is open.');
        }, failed);
      },
      function () {
        button.disabled = false; // same intent: a retry replays the first answer if it got through
        OG.showError(null, null, 'The server could not be reached; paying again is safe.');
      },
    );
  }

  function cancelBatch() {
    var id = $('view-batch').getAttribute('data-batch');
    if (!window.confirm('Cancel batch ' + id + '? Its data are deleted; unclaimed work is refunded to your wallet.')) return;
    OG.api('DELETE', '/api/batches/' + id).then(function (r) {
      if (r.status !== 200) return OG.showError(r);
      leaveView();
      viewBatch(id).then(function () {
        OG.status('Batch ' + id + ' canceled.');
      }, failed);
    }, failed);
  }

  /** Exports need the key header, so the file is fetched and handed to the browser as a blob. */
  function download(ev) {
    var b = ev.target;
    var id = $('view-batch').getAttribute('data-batch');
    var format = b.getAttribute('data-format');
    var answers = b.getAttribute('data-answers') === 'true';
    var path = '/api/batches/' + id + '/results?format=' + format + (answers ? '&answers=true' : '');
    var name = 'batch-' + id + (answers ? '-answers' : '-results') + (format === 'csv' ? '.csv' : '.jsonl');
    OG.clearError();
    OG.status('Preparing ' + name + '…');
    fetch(path, {
      headers: { Accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson', Authorization: 'Bearer ' + OG.key() },
      credentials: 'omit',
      cache: 'no-store',
    })
      .then(function (res) {
        if (res.status !== 200) {
          return res.json().then(
            function (body) {
              OG.showError({ status: res.status, body: body });
            },
            function () {
              OG.showError({ status: res.status, body: null });
            },
          );
        }
        return res.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          var a = el('a', { href: url, download: name, hidden: true });
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(function () {
            URL.revokeObjectURL(url);
          }, 60000);
          OG.status('Downloaded ' + name + ' (' + blob.size + ' bytes).');
        });
      })
      .catch(failed);
  }

  // ---- money ----------------------------------------------------------------------------------

  function viewMoney() {
    return load(['/api/wallets?limit=100', '/api/payment_methods?limit=100', '/api/guilds?limit=100', '/api/guilds?role=member&limit=100']).then(function (r) {
      var owned = r[2].data;
      rememberGuilds(owned);
      rememberGuilds(r[3].data);
      fill(
        'wallets',
        r[0].data.map(function (w) {
          var row = el('tr', {});
          cell(row, guildLabel(w.guild_id));
          cell(row, w.balance, { className: 'num', 'data-wallet': w.guild_id });
          var b = el('button', { type: 'button', className: 'link', 'aria-label': 'Transactions of the wallet in ' + guildLabel(w.guild_id) }, 'Transactions');
          b.addEventListener('click', function () {
            showTransactions(w);
          });
          row.appendChild(el('td', {}, b));
          return row;
        }),
      );
      $('transactions-box').hidden = true;
      var cards = $('cards');
      cards.textContent = '';
      r[1].data.forEach(function (c) {
        cards.appendChild(el('li', { 'data-card': c.id }, c.brand + ' ending in ' + c.last4 + ', expires ' + c.exp_month + '/' + c.exp_year));
      });
      if (!r[1].data.length) cards.appendChild(el('li', {}, 'No card yet. Paying a batch charges the card for what your wallet lacks.'));
      return Promise.all(
        owned.map(function (g) {
          return OG.api('GET', '/api/guilds/' + g.id + '/payouts?limit=100').then(function (p) {
            return p.status === 200
              ? p.body.data.map(function (x) {
                  x.guild_id = g.id;
                  return x;
                })
              : [];
          });
        }),
      ).then(function (lists) {
        var payouts = [].concat.apply([], lists);
        fill('payouts', payouts.map(payoutRow));
        $('no-payouts').hidden = payouts.length > 0;
        enter('money', 'Money');
      });
    });
  }

  function showTransactions(w) {
    load(['/api/wallets/' + w.id + '/transactions?limit=25']).then(function (r) {
      $('transactions-h').textContent = 'Latest transactions in ' + guildLabel(w.guild_id);
      fill(
        'transactions',
        r[0].data.map(function (t) {
          var row = el('tr', {});
          cell(row, t.id);
          cell(row, t.type + (t.reason ? ' (' + t.reason + ')' : ''));
          cell(row, t.amount, { className: 'num' });
          cell(row, OG.when(t.created));
          return row;
        }),
      );
      $('transactions-box').hidden = false;
      $('transactions-h').tabIndex = -1;
      $('transactions-h').focus();
    }, failed);
  }

  function payoutRow(p) {
    var row = el('tr', { 'data-payout': p.id });
    cell(row, p.id);
    cell(row, guildLabel(p.guild_id));
    cell(row, p.wallet_id);
    cell(row, p.amount, { className: 'num' });
    cell(row, p.status);
    cell(row, OG.when(p.created));
    var td = el('td', {});
    if (p.status === 'requested') {
      ['approve', 'decline'].forEach(function (decision) {
        var b = el(
          'button',
          { type: 'button', className: decision === 'decline' ? 'secondary' : '', 'aria-label': decision + ' payout ' + p.id + ' of ' + p.amount },
          decision === 'approve' ? 'Approve' : 'Decline',
        );
        var intent = OG.intentKey();
        b.addEventListener('click', function () {
          b.disabled = true;
          OG.api('POST', '/api/payouts/' + p.id + '/' + decision, undefined, { idempotencyKey: intent }).then(function (r) {
            if (r.status !== 200) {
              b.disabled = false;
              return OG.showError(r);
            }
            viewMoney().then(function () {
              OG.status('Payout ' + p.id + ' ' + r.body.status + '.');
            }, failed);
          }, failed);
        });
        td.appendChild(b);
        td.appendChild(document.createTextNode(' '));
      });
    }
    row.appendChild(td);
    return row;
  }

  function addCard(ev) {
    ev.preventDefault();
    var form = ev.target;
    OG.clearError(form);
    OG.status('Adding the card…');
    OG.api('POST', '/api/payment_methods', { source: $('card-source').value.trim() }).then(function (r) {
      if (r.status !== 201) return OG.showError(r, form);
      form.reset();
      viewMoney().then(function () {
        OG.status('Card ' + r.body.brand + ' ending in ' + r.body.last4 + ' added.');
      }, failed);
    }, failed);
  }

  // ---- routing --------------------------------------------------------------------------------

  function leaveView() {
    generation++;
    leaving.splice(0).forEach(function (f) {
      f();
    });
  }

  function route() {
    leaveView();
    OG.clearError();
    OG.status(announce || '');
    announce = null;
    if (!OG.key()) return showSignIn();
    var h = location.hash.replace(/^#/, '');
    var m;
    var go;
    if (h === '/guilds') go = viewGuilds();
    else if ((m = /^\/guilds\/(\d+)$/.exec(h))) go = viewGuild(m[1]);
    else if ((m = /^\/guilds\/(\d+)\/tasks\/new$/.exec(h))) go = viewTask(m[1], null);
    else if ((m = /^\/tasks\/(\d+)$/.exec(h))) go = viewTask(null, m[1]);
    else if (h === '/batches') go = viewBatches();
    else if ((m = /^\/batches\/(\d+)$/.exec(h))) go = viewBatch(m[1]);
    else if (h === '/money') go = viewMoney();
    else {
      location.replace('#/guilds');
      return;
    }
    go.catch(failed);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('signin-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var value = $('api-key').value.trim();
      if (!value) return OG.showError(null, null, 'Enter your API key.');
      if (!OG.setKey(value)) return OG.showError(null, null, 'This browser does not allow sessionStorage, where the key is kept.');
      $('api-key').value = '';
      OG.clearError();
      OG.status('Signing in…');
      signIn().then(function (ok) {
        if (!ok) return;
        announce = 'Signed in.';
        route();
      });
    });
    $('signout').addEventListener('click', function () {
      signOut();
    });
    $('guild-form').addEventListener('submit', createGuild);
    $('batch-form').addEventListener('submit', createBatch);
    $('invite-form').addEventListener('submit', sendInvite);
    $('task-form').addEventListener('submit', saveTask);
    $('q-on').addEventListener('change', qualityShown);
    $('batches-filter').addEventListener('submit', function (ev) {
      ev.preventDefault();
      leaveView();
      viewBatches().catch(failed);
    });
    $('batch-pay-button').addEventListener('click', payBatch);
    $('batch-cancel').addEventListener('click', cancelBatch);
    $('results-filter').addEventListener('submit', function (ev) {
      ev.preventDefault();
    });
    $('results-task').addEventListener('change', renderResults);
    $('results-text').addEventListener('input', renderResults);
    $('results-more').addEventListener('click', function () {
      var last = results.rows[results.rows.length - 1];
      loadResults(results.batchId, last && last.id).catch(failed);
    });
    ['download-csv', 'download-jsonl', 'download-answers'].forEach(function (id) {
      $(id).addEventListener('click', download);
    });
    $('card-form').addEventListener('submit', addCard);
    window.addEventListener('hashchange', route);
    if (!OG.key()) return showSignIn();
    signIn().then(function (ok) {
      if (ok) route();
    });
  });
})();
