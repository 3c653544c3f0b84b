import { formatCents } from '../common/money';
import { esc, layout } from './html';
import type { AssignmentPageView } from './worker-pages.service';

/**
 * The HTML of the worker pages. Every value that did not come from this file goes through esc();
 * nothing is inline script or style (the pages are served with a CSP that forbids both).
 */

/** An image URL the page may show: http(s), or a path on this server. Anything else (javascript:, data:, //host) is refused. */
export function safeImageUrl(raw: unknown, token: string | undefined): string | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  if (raw.startsWith('/') && !raw.startsWith('//')) {
    // a stored file is served to the worker holding a live assignment on its datum, by that token
    if (raw.startsWith('/api/files/') && token) return `${raw}${raw.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    return raw;
  }
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

const SHOWN_ELSEWHERE = new Set(['image_url', 'file_url']);

function otherParameters(params: Record<string, unknown>): string {
  const rows = Object.entries(params).filter(([k]) => !SHOWN_ELSEWHERE.has(k));
  if (!rows.length) return '';
  return `<h2 id="earlier-h">Earlier answers</h2>\n<dl class="params" aria-labelledby="earlier-h">${rows
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</dd>`)
    .join('')}</dl>`;
}

export interface WorkspaceForm {
  assignment: AssignmentPageView;
  workerId: string;
  submitTo: string;
  token: string;
  returnTo: string;
}

/** The sample image-labelling workspace for one live assignment: a plain HTML form to submit_to. */
export function workspacePage(f: WorkspaceForm): string {
  const a = f.assignment;
  const img = safeImageUrl(a.parameters.image_url ?? a.parameters.file_url, f.token);
  const earlier = typeof a.parameters.label === 'string' ? a.parameters.label : '';
  const figure = img
    ? `<figure class="datum">\n<img src="${esc(img)}" alt="The image to label (datum ${esc(a.datumId)})" width="320" height="240">\n<figcaption>Datum ${esc(a.datumId)}</figcaption>\n</figure>`
    : `<p class="notice" role="alert">This datum has no image_url or file_url this workspace can show.</p>`;
  const body = `<h1>Label this image</h1>
<p class="meta">Task <strong>${esc(a.taskName)}</strong> in ${esc(a.guildName)} · reward <strong>${esc(formatCents(a.rewardCents))}</strong> · assignment ${esc(a.id)} · submit by <time datetime="${esc(a.expires.toISOString())}">${esc(a.expires.toISOString().replace('T', ' ').slice(0, 16))} UTC</time></p>
${figure}
${otherParameters(a.parameters)}
<form class="work" method="post" action="${esc(f.submitTo)}">
<input type="hidden" name="assignmentId" value="${esc(a.id)}">
<input type="hidden" name="workerId" value="${esc(f.workerId)}">
<input type="hidden" name="return_to" value="${esc(f.returnTo)}">
<label for="label">Label</label>
<input id="label" name="label" type="text" required maxlength="200" autocomplete="off" autofocus aria-describedby="label-help" value="${esc(earlier)}">
<p id="label-help" class="help">One or two words: what does the image show? For example “circle”.</p>
<button type="submit">Submit label</button>
</form>`;
  return layout({ title: 'Label this image', body });
}

/** /workspaces/demo opened without an assignment: what a requester sees when choosing it. */
export function workspacePreviewPage(): string {
  const body = `<h1>Sample workspace: label an image</h1>
<p>This is the preview of OpenGuilds' sample workspace. A worker opens it from a claimed assignment
(its link carries <code>workerId</code>, <code>assignmentId</code> and <code>submitTo</code>), sees the datum's
<code>image_url</code> (or <code>file_url</code>) and submits a <code>label</code> with a plain HTML form.</p>
<figure class="datum">
<img src="/workspaces/demo/images/1.svg" alt="A sample image: a red circle" width="320" height="240">
<figcaption>A sample image</figcaption>
</figure>
<form class="work" method="get" action="/workspaces/demo">
<label for="label">Label</label>
<input id="label" type="text" disabled aria-describedby="label-help">
<p id="label-help" class="help">The form is disabled in the preview: claim work from <a href="/work">your work page</a>.</p>
<button type="submit" disabled>Submit label</button>
</form>`;
  return layout({ title: 'Sample workspace', body });
}

export interface AfterSubmitView {
  assignment: AssignmentPageView;
  token: string;
  openWork: number;
  alreadyClaimedNext: boolean;
}

function claimNextForm(v: AfterSubmitView): string {
  const a = v.assignment;
  if (v.alreadyClaimedNext) return `<p>You have claimed work at ${esc(a.taskName)} since this one. <a href="/work">Go to your work</a> to find it.</p>`;
  if (v.openWork === 0) return `<p id="next">There is no more open work at <strong>${esc(a.taskName)}</strong> right now.</p>`;
  return `<p id="next">${v.openWork === 1 ? 'One more piece' : `${v.openWork} more pieces`} of work ${v.openWork === 1 ? 'is' : 'are'} open at <strong>${esc(a.taskName)}</strong>.</p>
<form method="post" action="/work/claim-next">
<input type="hidden" name="assignmentId" value="${esc(a.id)}">
<input type="hidden" name="token" value="${esc(v.token)}">
<button type="submit" aria-describedby="next">Claim the next piece of work</button>
</form>`;
}

/** Where a worker lands after the workspace form: what happened, and the next piece of work. */
export function afterSubmitPage(v: AfterSubmitView): string {
  const a = v.assignment;
  let title: string;
  let what: string;
  if (a.status === 'submitted') {
    const label = a.submitted && typeof a.submitted.label === 'string' ? a.submitted.label : undefined;
    title = 'Thank you: your work was submitted';
    what = `<p class="ok" role="status">Your answer for datum ${esc(a.datumId)} at <strong>${esc(a.taskName)}</strong> was saved${label !== undefined ? ` (label: <strong>${esc(label)}</strong>)` : ''}, and <strong>${esc(formatCents(a.rewardCents))}</strong> was added to your wallet in ${esc(a.guildName)}.</p>`;
  } else if (a.status === 'claimed' && !a.lapsed) {
    title = 'Not submitted yet';
    what = `<p role="status">Assignment ${esc(a.id)} is still open: go back to the workspace and submit it before it expires.</p>`;
  } else {
    title = a.status === 'released' ? 'This work was released' : 'This assignment expired';
    what = `<p role="status">Assignment ${esc(a.id)} was not submitted${a.status === 'released' ? ': it was given back to the pool' : ': its lease lapsed and the work went back to the pool'}.</p>`;
  }
  const next = a.status === 'submitted' ? claimNextForm(v) : '';
  const body = `<h1>${esc(title)}</h1>
${what}
${next}
<p class="actions"><a href="/work">Back to your work</a></p>`;
  return layout({ title, body });
}

/** GET /work: signs in with an API key (kept in sessionStorage), lists tasks and wallets, claims. */
export function workPage(): string {
  const body = `<h1>Your work</h1>
<noscript><p class="notice">This page signs you in with your API key and needs JavaScript. The workspaces where you do the work, and their submit, do not.</p></noscript>
<p id="status" class="status" role="status" aria-live="polite"></p>
<section id="signin" aria-labelledby="signin-h">
<h2 id="signin-h">Sign in</h2>
<form id="signin-form" action="/work" method="get">
<label for="api-key">API key</label>
<input id="api-key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="api-key-help">
<p id="api-key-help" class="help">Your key stays in this browser tab (sessionStorage, never a cookie) and is sent only to this server's API.</p>
<button type="submit">Sign in</button>
</form>
</section>
<section id="account" hidden aria-labelledby="account-h">
<h2 id="account-h" class="visually-hidden">Your account</h2>
<p>Signed in as <strong id="who"></strong>. <button id="signout" type="button" class="link">Sign out</button></p>
<h2 id="tasks-h">Your tasks</h2>
<table aria-labelledby="tasks-h">
<thead><tr><th scope="col">Task</th><th scope="col">Guild</th><th scope="col">Reward</th><th scope="col">Open work</th><th scope="col"><span class="visually-hidden">Claim</span></th></tr></thead>
<tbody id="tasks"></tbody>
</table>
<p id="no-tasks" hidden>You are not subscribed to any task yet. Subscribe with <code>POST /api/tasks/:id/subscriptions</code>.</p>
<h2 id="wallets-h">Your wallets</h2>
<table aria-labelledby="wallets-h">
<thead><tr><th scope="col">Guild</th><th scope="col">Balance</th></tr></thead>
<tbody id="wallets"></tbody>
</table>
<p><button id="refresh" type="button">Refresh</button></p>
</section>`;
  return layout({ title: 'Your work', body, script: true });
}
