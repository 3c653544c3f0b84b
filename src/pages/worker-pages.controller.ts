import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/caller';
import { ApiError } from '../common/errors';
import { AcceptsBody } from '../common/http-conventions';
import { LOGGER, Logger } from '../logging/logger';
import { FAVICON_SVG, WORK_JS, WORKER_CSS } from './assets';
import { messagePage, originOf, sendHtml } from './html';
import { afterSubmitPage, workPage, workspacePage, workspacePreviewPage } from './pages';
import { sampleImage } from './sample-images';
import { NextClaimer } from './next-claimer';
import { WorkerPagesService } from './worker-pages.service';

function single(v: unknown): string | undefined {
  const x = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof x === 'string' && x !== '' ? x : undefined;
}

/**
 * The worker's pages (not under /api; HTML; no API key): the sample image-labelling workspace,
 * the page a worker lands on after its form submit, and the /work page that signs in with a key
 * kept in sessionStorage. See docs/worker-experience.md.
 */
@ApiExcludeController()
@Controller()
export class WorkerPagesController {
  constructor(
    private readonly pages: WorkerPagesService,
    private readonly claimer: NextClaimer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private get publicOrigin(): string[] {
    const o = originOf(this.pages.publicUrl);
    return o ? [o] : [];
  }

  @Public()
  @Get('workspaces/demo')
  async workspace(@Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const policy = { formAction: this.publicOrigin, httpsImages: true };
    const assignmentId = single(q.assignmentId);
    const submitTo = single(q.submitTo);
    const workerId = single(q.workerId) ?? '';
    if (!assignmentId && !submitTo) return sendHtml(res, 200, workspacePreviewPage(), policy);

    // The form posts to submitTo, so it must be this server's submit URL for this assignment.
    const target = this.submitTarget(submitTo, assignmentId);
    if (!target) {
      return sendHtml(
        res,
        400,
        messagePage(
          'Not a valid assignment link',
          'This workspace link does not carry a submit address of this server for its assignment. Claim the work again from your work page.',
          [{ href: '/work', text: 'Your work' }],
        ),
        policy,
      );
    }
    const a = await this.pages.assignmentByToken(assignmentId, target.token);
    if (!a)
      return sendHtml(
        res,
        404,
        messagePage('Assignment not found', 'No assignment matches this link. It may be mistyped; claim the work again from your work page.', [
          { href: '/work', text: 'Your work' },
        ]),
        policy,
      );
    if (a.status !== 'claimed' || a.lapsed) {
      const after = this.afterSubmitUrl(a.id, target.token);
      return sendHtml(
        res,
        410,
        messagePage(
          a.status === 'submitted' ? 'Already submitted' : 'This assignment is over',
          a.status === 'submitted' ? 'This work was already submitted.' : 'This assignment expired or was released, so it can no longer be submitted.',
          [
            { href: after, text: 'What happened' },
            { href: '/work', text: 'Your work' },
          ],
        ),
        policy,
      );
    }
    sendHtml(
      res,
      200,
      workspacePage({ assignment: a, workerId, submitTo: target.url, token: target.token, returnTo: this.afterSubmitUrl(a.id, target.token) }),
      policy,
    );
  }

  @Public()
  @Get('workspaces/demo/images/:name')
  image(@Param('name') name: string, @Res() res: Response): void {
    const svg = sampleImage(name);
    if (!svg) {
      res.status(404).type('text/plain; charset=utf-8').send('no such sample image\n');
      return;
    }
    res
      .status(200)
      .set({
        'Content-Type': 'image/svg+xml; charset=utf-8',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'public, max-age=3600',
      })
      .send(svg);
  }

  /** Browsers ask for it on every page; an icon instead of a 404 in every log. */
  @Public()
  @Get('favicon.ico')
  favicon(@Res() res: Response): void {
    res.status(200).set({ 'Content-Type': 'image/svg+xml', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=86400' }).send(FAVICON_SVG);
  }

  @Public()
  @Get('work')
  work(@Res() res: Response): void {
    sendHtml(res, 200, workPage(), { script: true });
  }

  @Public()
  @Get('work/after-submit')
  async afterSubmit(@Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const token = single(q.token);
    const a = await this.pages.assignmentByToken(single(q.assignmentId), token);
    if (!a || !token)
      return sendHtml(res, 404, messagePage('Assignment not found', 'No assignment matches this link.', [{ href: '/work', text: 'Your work' }]));
    const [openWork, alreadyClaimedNext] = await Promise.all([this.pages.openWorkCount(a.taskId), this.pages.claimedSince(a)]);
    sendHtml(res, 200, afterSubmitPage({ assignment: a, token, openWork, alreadyClaimedNext }));
  }

  /**
   * "Claim the next piece of work" from the after-submit page, with no API key and no script:
   * authorised by the token of an assignment the worker has submitted, once per such assignment,
   * for the same worker at the same task. 303 to the new assignment's workspace.
   */
  @Public()
  @Post('work/claim-next')
  @AcceptsBody('form')
  async claimNext(@Body() body: Record<string, unknown> | undefined, @Res() res: Response): Promise<void> {
    const links = [{ href: '/work', text: 'Your work' }];
    const token = single(body?.token);
    const a = await this.pages.assignmentByToken(single(body?.assignmentId), token);
    if (!a || !token) return sendHtml(res, 404, messagePage('Assignment not found', 'No assignment matches this form.', links));
    if (a.status !== 'submitted')
      return sendHtml(res, 409, messagePage('Submit this work first', 'The next piece of work can be claimed from here once this one is submitted.', links));
    const already = () =>
      sendHtml(
        res,
        409,
        messagePage('Already claimed', 'You have claimed work at this task since this page was shown. Your work page lists what you hold.', links),
      );
    try {
      // once per submitted assignment, however many times the form is posted at once
      const outcome = await this.pages.onePerSubmitted(a.id, async () =>
        (await this.pages.claimedSince(a)) ? ('already' as const) : { next: await this.claimer.claimFor(a.userId, a.taskId) },
      );
      if (outcome === 'busy' || outcome === 'already') return already();
      const next = outcome.next;
      if (!next) return sendHtml(res, 200, messagePage('No more work', `There is no more open work at ${a.taskName} right now.`, links));
      if (!next.workspace_url || !/^https?:\/\//i.test(next.workspace_url)) {
        return sendHtml(res, 200, messagePage('Work claimed', `You hold assignment ${next.id}, but its task has no workspace to open.`, links));
      }
      res.redirect(303, next.workspace_url);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.logger.info({ assignmentId: a.id, status: err.getStatus() }, 'claim-next refused');
      sendHtml(res, err.getStatus(), messagePage('Could not claim', err.message, links));
    }
  }

  @Public()
  @Get('work/assets/worker.css')
  css(@Res() res: Response): void {
    res
      .status(200)
      .set({ 'Content-Type': 'text/css; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=300' })
      .send(WORKER_CSS);
  }

  @Public()
  @Get('work/assets/work.js')
  js(@Res() res: Response): void {
    res
      .status(200)
      .set({ 'Content-Type': 'text/javascript; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=300' })
      .send(WORK_JS);
  }

  private afterSubmitUrl(assignmentId: string, token: string): string {
    return `${this.pages.publicUrl}/work/after-submit?assignmentId=${encodeURIComponent(assignmentId)}&token=${encodeURIComponent(token)}`;
  }

  /** submitTo parsed: this server's /api/assignments/<assignmentId>/submit with a token, or undefined. */
  private submitTarget(submitTo: string | undefined, assignmentId: string | undefined): { url: string; token: string } | undefined {
    if (!submitTo || !assignmentId) return undefined;
    let u: URL;
    try {
      u = new URL(submitTo);
    } catch {
      return undefined;
    }
    const token = u.searchParams.get('token');
    if (!token || !this.publicOrigin.includes(u.origin) || u.pathname !== `/api/assignments/${assignmentId}/submit`) return undefined;
    return { url: u.toString(), token };
  }
}
