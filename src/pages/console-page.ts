import { layout } from './html';

/**
 * The HTML of the requester's console (/console) and of the invite page. Both are static: every
 * view's form and table is here, with its label, and public/console/console.js fills them from the
 * JSON API (the same /api routes a client calls) and shows one view at a time. See docs/console.md.
 */

const CONSOLE_ASSETS = { styles: ['/console/assets/console.css'], scripts: ['/console/assets/og.js', '/console/assets/console.js'] };

const NAV = `<nav id="nav" class="site-nav" aria-label="Console" hidden>
<a href="#/guilds">Guilds</a> <a href="#/batches">Batches</a> <a href="#/money">Money</a>
<span class="who">Signed in as <strong id="who"></strong> <button id="signout" type="button" class="link">Sign out</button></span>
</nav>`;

/** The messages every view shares: progress (polite) and errors (with the API's field details). */
const MESSAGES = `<p id="status" class="status" role="status" aria-live="polite"></p>
<div id="error" class="error" role="alert" tabindex="-1" hidden><p id="error-text"></p><ul id="error-details"></ul></div>`;

const SIGNIN = `<section id="view-signin" class="view" aria-labelledby="signin-h">
<h1 id="signin-h" tabindex="-1">Requester console</h1>
<p>Manage your guilds, tasks, batches, results and money. Sign in with an API key
(from <code>POST /api/register</code>, <code>POST /api/sessions</code> or <code>POST /api/api_keys</code>).</p>
<form id="signin-form" action="/console" method="get">
<label for="api-key">API key</label>
<input id="api-key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="api-key-help">
<p id="api-key-help" class="help">The key stays in this browser tab (sessionStorage, never a cookie) and is sent only to this server's API.</p>
<button type="submit">Sign in</button>
</form>
</section>`;

const GUILDS = `<section id="view-guilds" class="view" aria-labelledby="guilds-h" hidden>
<h1 id="guilds-h" tabindex="-1">Your guilds</h1>
<table aria-labelledby="guilds-h">
<thead><tr><th scope="col">Guild</th><th scope="col">Description</th><th scope="col">Input parameters</th><th scope="col">Created</th></tr></thead>
<tbody id="guilds"></tbody>
</table>
<p id="no-guilds" hidden>You own no guild yet: create one below.</p>
<h2 id="new-guild-h">New guild</h2>
<form id="guild-form" aria-labelledby="new-guild-h">
<label for="guild-name">Name</label>
<input id="guild-name" data-field="name" type="text" required maxlength="200">
<label for="guild-description">Description</label>
<input id="guild-description" data-field="description" type="text" required maxlength="2000">
<label for="guild-params">Input parameters</label>
<input id="guild-params" data-field="input_parameters" type="text" aria-describedby="guild-params-help">
<p id="guild-params-help" class="help">Comma-separated keys every datum of a batch must carry, for example <code>image_url</code>. May be empty.</p>
<button type="submit">Create guild</button>
</form>
</section>`;

const GUILD = `<section id="view-guild" class="view" aria-labelledby="guild-h" hidden>
<p class="crumbs"><a href="#/guilds">Guilds</a></p>
<h1 id="guild-h" tabindex="-1"></h1>
<p id="guild-meta" class="meta"></p>
<h2 id="tasks-h">Tasks</h2>
<table aria-labelledby="tasks-h">
<thead><tr><th scope="col">Task</th><th scope="col" class="num">Reward</th><th scope="col">Workspace</th><th scope="col">Quality</th></tr></thead>
<tbody id="tasks"></tbody>
</table>
<p id="no-tasks" hidden>No task yet: a guild needs one before it can take batches.</p>
<p><a id="new-task-link" class="button" href="#">New task</a></p>
<h2 id="guild-batches-h">Batches</h2>
<table aria-labelledby="guild-batches-h">
<thead><tr><th scope="col">Batch</th><th scope="col">Status</th><th scope="col" class="num">Data</th><th scope="col">Progress</th><th scope="col" class="num">Cost</th><th scope="col">Created</th></tr></thead>
<tbody id="guild-batches"></tbody>
</table>
<h2 id="new-batch-h">New batch</h2>
<form id="batch-form" aria-labelledby="new-batch-h">
<label for="batch-data">Data</label>
<textarea id="batch-data" data-field="batch.data" rows="5" required spellcheck="false" aria-describedby="batch-data-help"></textarea>
<p id="batch-data-help" class="help">One JSON object of parameters per line (or one JSON array), for example <code>{"image_url": "https://…/1.png"}</code>. The batch is created unpaid; pay it from its page.</p>
<button type="submit">Create batch</button>
</form>
<h2 id="members-h">Members and invites</h2>
<table aria-labelledby="members-h">
<thead><tr><th scope="col">Member</th><th scope="col" class="num">Quality score</th><th scope="col" class="num">Credit</th></tr></thead>
<tbody id="members"></tbody>
</table>
<table aria-label="Invites">
<thead><tr><th scope="col">Invited email</th><th scope="col">Invite status</th><th scope="col">Created</th></tr></thead>
<tbody id="invites"></tbody>
</table>
<form id="invite-form" aria-labelledby="invite-h">
<h3 id="invite-h">Invite a worker</h3>
<label for="invite-email">Email</label>
<input id="invite-email" data-field="email" type="email" required autocomplete="off" aria-describedby="invite-help">
<p id="invite-help" class="help">The invitation mail links to a page where they sign in or sign up and accept.</p>
<button type="submit">Send invite</button>
</form>
</section>`;

const TASK = `<section id="view-task" class="view" aria-labelledby="task-h" hidden>
<p class="crumbs"><a id="task-guild-link" href="#/guilds">Guild</a></p>
<h1 id="task-h" tabindex="-1"></h1>
<form id="task-form" aria-labelledby="task-h" novalidate>
<label for="task-name">Name</label>
<input id="task-name" data-field="name" type="text" required maxlength="200">
<label for="task-reward">Reward per datum, in cents</label>
<input id="task-reward" data-field="minimum_amount_cents" type="number" min="0" step="1" required aria-describedby="task-reward-help">
<p id="task-reward-help" class="help">What one answer costs you and earns the worker (<code>minimum_amount_cents</code>): 25 is $0.25.</p>
<label for="task-workspace">Workspace</label>
<select id="task-workspace" data-field="workspace_id"><option value="">No workspace</option></select>
<label for="task-lease">Lease, in seconds</label>
<input id="task-lease" data-field="lease_seconds" type="number" min="1" step="1" aria-describedby="task-lease-help">
<p id="task-lease-help" class="help">How long a claim holds the work (default 1800).</p>
<fieldset class="quality">
<legend>Quality settings (API.md §11)</legend>
<label class="check"><input id="q-on" type="checkbox" data-field="quality"> Use quality settings for this task</label>
<p class="help">Without them a task takes one answer per datum, approved at once. A change applies to batches paid after it; saving replaces the whole object.</p>
<div id="q-fields">
<label for="q-answer">Answer parameter</label>
<input id="q-answer" data-field="quality.answer" type="text" maxlength="100" aria-describedby="q-answer-help">
<p id="q-answer-help" class="help">The submitted parameter whose answers are combined, for example <code>label</code>. Needed for labels or an overlap above 1.</p>
<label for="q-labels">Labels</label>
<textarea id="q-labels" data-field="quality.labels" rows="3" aria-describedby="q-labels-help"></textarea>
<p id="q-labels-help" class="help">One allowed value per line (2 to 100), matched exactly. Leave empty for free text.</p>
<div class="row">
<div><label for="q-min">Overlap: minimum answers</label><input id="q-min" data-field="quality.overlap.min" type="number" min="1" max="20" step="1"></div>
<div><label for="q-max">Overlap: maximum answers</label><input id="q-max" data-field="quality.overlap.max" type="number" min="1" max="20" step="1"></div>
<div><label for="q-confidence">Confidence to stop at</label><input id="q-confidence" data-field="quality.overlap.confidence" type="number" min="0.5" max="0.999" step="0.001"></div>
</div>
<label for="q-aggregation">Aggregation</label>
<select id="q-aggregation" data-field="quality.aggregation"><option value="">Default (Dawid–Skene with labels, else majority)</option><option value="majority">Majority</option><option value="dawid_skene">Dawid–Skene</option></select>
<div class="row">
<div><label for="q-gold-rate">Control answer (gold) rate</label><input id="q-gold-rate" data-field="quality.gold_rate" type="number" min="0" max="0.5" step="0.01"></div>
<div><label for="q-qual-gold">Qualification: gold answers</label><input id="q-qual-gold" data-field="quality.qualification.gold" type="number" min="0" max="50" step="1"></div>
<div><label for="q-qual-acc">Qualification: accuracy needed</label><input id="q-qual-acc" data-field="quality.qualification.min_accuracy" type="number" min="0" max="1" step="0.01"></div>
<div><label for="q-min-quality">Minimum skill</label><input id="q-min-quality" data-field="quality.min_quality" type="number" min="0" max="1" step="0.01" aria-describedby="q-min-quality-help"></div>
</div>
<p id="q-min-quality-help" class="help">Empty: no minimum skill. Accuracy and skill are shares from 0 to 1.</p>
<div class="row">
<div><label for="q-review">Review</label><select id="q-review" data-field="quality.review.mode"><option value="auto">Automatic (approve at submit)</option><option value="manual">Manual (I approve or reject)</option></select></div>
<div><label for="q-auto-approve">Auto-approve after, in seconds</label><input id="q-auto-approve" data-field="quality.review.auto_approve_after" type="number" min="60" max="2592000" step="1"></div>
</div>
<fieldset class="inline">
<legend>Reject automatically</legend>
<label class="check"><input id="q-ar-gold" type="checkbox" data-field="quality.auto_reject" value="gold_mismatch"> a wrong control answer (gold_mismatch)</label>
<label class="check"><input id="q-ar-consensus" type="checkbox" data-field="quality.auto_reject" value="consensus"> an answer against a confident aggregate (consensus; needs manual review)</label>
</fieldset>
</div>
</fieldset>
<button id="task-save" type="submit">Save task</button>
</form>
<div id="task-sections"></div>
</section>`;

const BATCHES = `<section id="view-batches" class="view" aria-labelledby="batches-h" hidden>
<h1 id="batches-h" tabindex="-1">Batches</h1>
<form id="batches-filter" class="inline-form">
<label for="batches-status">Status</label>
<select id="batches-status"><option value="">All</option><option value="unpaid">Unpaid</option><option value="processing">Processing</option><option value="completed">Completed</option><option value="canceled">Canceled</option></select>
<button type="submit">Show</button>
</form>
<table aria-labelledby="batches-h">
<thead><tr><th scope="col">Batch</th><th scope="col">Guild</th><th scope="col">Status</th><th scope="col" class="num">Data</th><th scope="col">Progress</th><th scope="col" class="num">Cost</th><th scope="col">Created</th></tr></thead>
<tbody id="batches"></tbody>
</table>
<p id="no-batches" hidden>No batch matches.</p>
</section>`;

const BATCH = `<section id="view-batch" class="view" aria-labelledby="batch-h" hidden>
<p class="crumbs"><a href="#/batches">Batches</a> · <a id="batch-guild-link" href="#/guilds">Guild</a></p>
<h1 id="batch-h" tabindex="-1"></h1>
<dl class="params">
<dt>Status</dt><dd id="batch-status"></dd>
<dt>Cost</dt><dd id="batch-cost"></dd>
<dt>Data</dt><dd id="batch-count"></dd>
</dl>
<div class="progress">
<label id="batch-progress-label" for="batch-progress">Progress</label>
<progress id="batch-progress" max="100" value="0" aria-describedby="batch-progress-text"></progress>
<span id="batch-progress-text"></span>
</div>
<div id="batch-pay" hidden>
<p id="batch-pay-help" class="help">Paying moves the cost from your wallet in this guild into escrow; what the wallet lacks is charged to your card (add one under <a href="#/money">Money</a>).</p>
<button id="batch-pay-button" type="button" aria-describedby="batch-pay-help">Pay</button>
</div>
<p><button id="batch-cancel" type="button" class="secondary" hidden>Cancel this batch</button></p>
<h2 id="results-h">Results</h2>
<p class="help">One row per datum and task. Answer and confidence are the combined answer of a task with quality settings (empty until the task is done with the datum, and for tasks without an answer parameter).</p>
<form id="results-filter" class="inline-form" role="search" aria-label="Filter results">
<label for="results-task">Task</label>
<select id="results-task"><option value="">All tasks</option></select>
<label for="results-text">Contains</label>
<input id="results-text" type="search" aria-describedby="results-count">
</form>
<p id="results-count" class="meta"></p>
<table aria-labelledby="results-h">
<thead><tr><th scope="col">Datum</th><th scope="col">Task</th><th scope="col">Answer</th><th scope="col" class="num">Confidence</th><th scope="col" class="num">Answers</th><th scope="col">Parameters</th></tr></thead>
<tbody id="results"></tbody>
</table>
<p><button id="results-more" type="button" class="secondary" hidden>Load more results</button></p>
<h2 id="downloads-h">Download</h2>
<p class="actions-row">
<button id="download-csv" type="button" data-format="csv">CSV</button>
<button id="download-jsonl" type="button" data-format="jsonl">JSON Lines</button>
<button id="download-answers" type="button" data-format="csv" data-answers="true">Every answer (CSV)</button>
</p>
<p class="help">Downloads hold the whole batch (the filter applies to the table only). For very large batches use the API: <code id="export-curl"></code></p>
</section>`;

const MONEY = `<section id="view-money" class="view" aria-labelledby="money-h" hidden>
<h1 id="money-h" tabindex="-1">Money</h1>
<h2 id="wallets-h">Wallets</h2>
<table aria-labelledby="wallets-h">
<thead><tr><th scope="col">Guild</th><th scope="col" class="num">Balance</th><th scope="col"><span class="visually-hidden">Transactions</span></th></tr></thead>
<tbody id="wallets"></tbody>
</table>
<div id="transactions-box" hidden>
<h3 id="transactions-h"></h3>
<table aria-labelledby="transactions-h">
<thead><tr><th scope="col">Transaction</th><th scope="col">Type</th><th scope="col" class="num">Amount</th><th scope="col">Created</th></tr></thead>
<tbody id="transactions"></tbody>
</table>
</div>
<h2 id="cards-h">Card</h2>
<ul id="cards"></ul>
<form id="card-form" aria-labelledby="cards-h">
<label for="card-source">Card token</label>
<input id="card-source" data-field="source" type="text" required autocomplete="off" spellcheck="false" aria-describedby="card-help">
<p id="card-help" class="help">A Stripe card token. In test mode (no STRIPE_SECRET_KEY) use <code>tok_visa</code>; <code>tok_chargeDeclined</code> is declined.</p>
<button type="submit">Add card</button>
</form>
<h2 id="payouts-h">Payouts to approve</h2>
<table aria-labelledby="payouts-h">
<thead><tr><th scope="col">Payout</th><th scope="col">Guild</th><th scope="col">Wallet</th><th scope="col" class="num">Amount</th><th scope="col">Status</th><th scope="col">Requested</th><th scope="col"><span class="visually-hidden">Decision</span></th></tr></thead>
<tbody id="payouts"></tbody>
</table>
<p id="no-payouts" hidden>No payout was asked for in your guilds.</p>
</section>`;

/** GET /console */
export function consolePage(): string {
  const body = `<noscript><p class="notice">The console signs you in with your API key and calls the API from this page, so it needs JavaScript.</p></noscript>
${MESSAGES}
${SIGNIN}
${GUILDS}
${GUILD}
${TASK}
${BATCHES}
${BATCH}
${MONEY}`;
  return layout({ title: 'Requester console', body, sub: 'requester console', header: NAV, ...CONSOLE_ASSETS });
}

/** GET /invites/:id (the mailed link's page): sign in, or sign up, then accept. */
export function invitePage(): string {
  const body = `<h1 id="invite-h" tabindex="-1">You are invited to a guild</h1>
<noscript><p class="notice">This page signs you in and accepts the invitation through the API, so it needs JavaScript. Without it: <code>curl -X POST -u YOUR_API_KEY: "&lt;the link in your mail&gt;"</code>.</p></noscript>
${MESSAGES}
<p id="invite-intro">Accept the invitation to work in this guild on OpenGuilds. Sign in (or create an account) first.</p>
<section id="invite-signed-in" hidden aria-labelledby="invite-accept-h">
<h2 id="invite-accept-h">Accept</h2>
<p>Signed in as <strong id="invite-who"></strong>. <button id="invite-signout" type="button" class="link">Use another account</button></p>
<button id="invite-accept" type="button">Accept the invitation</button>
</section>
<section id="invite-auth" hidden>
<h2 id="signin-h">I have an account</h2>
<form id="session-form" aria-labelledby="signin-h">
<label for="signin-email">Email</label>
<input id="signin-email" data-field="email" type="email" required autocomplete="username">
<label for="signin-password">Password</label>
<input id="signin-password" data-field="password" type="password" required autocomplete="current-password">
<button type="submit">Sign in and accept</button>
</form>
<details>
<summary>Sign in with an API key instead</summary>
<form id="key-form" aria-label="Sign in with an API key">
<label for="api-key">API key</label>
<input id="api-key" type="password" required autocomplete="off" spellcheck="false">
<button type="submit">Sign in with the key and accept</button>
</form>
</details>
<h2 id="signup-h">I am new here</h2>
<form id="register-form" aria-labelledby="signup-h">
<label for="signup-email">Email</label>
<input id="signup-email" data-field="email" type="email" required autocomplete="email">
<label for="signup-password">Password</label>
<input id="signup-password" data-field="password" type="password" required autocomplete="new-password" minlength="8">
<label for="signup-confirm">Password again</label>
<input id="signup-confirm" data-field="password_confirmation" type="password" required autocomplete="new-password" minlength="8">
<button type="submit">Create account and accept</button>
</form>
<p class="help">Your API key stays in this browser tab (sessionStorage) and is sent only to this server's API.</p>
</section>
<section id="invite-done" hidden aria-labelledby="invite-done-h">
<h2 id="invite-done-h" tabindex="-1">Welcome</h2>
<p id="invite-done-text"></p>
<div id="new-key" hidden>
<p>Your API key, shown once — keep it (a new one can be made any time with your email and password):</p>
<p><code id="new-key-value"></code></p>
</div>
<p><a class="button" href="/work">Go to your work</a></p>
</section>`;
  return layout({
    title: 'Accept an invitation',
    body,
    sub: 'invitation',
    styles: CONSOLE_ASSETS.styles,
    scripts: ['/console/assets/og.js', '/console/assets/invite.js'],
  });
}
