import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/caller';
import { sendError } from '../common/error.filter';
import { IdParam, isId } from '../common/ids';
import { consolePage, invitePage } from './console-page';
import { messagePage, sendHtml } from './html';
import { loadStaticDir, StaticFile } from './static-files';

const ASSETS = ['og.js', 'console.js', 'invite.js', 'console.css'];

/**
 * The requester's console and the invite page (HTML, no API key on the page request). Both pages
 * are static; their script calls the same /api routes a client would, with the key the person
 * typed (kept in sessionStorage). See docs/console.md.
 */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  private readonly assets: Map<string, StaticFile> = loadStaticDir('console', ASSETS);

  @Public()
  @Get('console')
  console(@Res() res: Response): void {
    sendHtml(res, 200, consolePage(), { script: true });
  }

  @Public()
  @Get('console/assets/:name')
  asset(@Param('name') name: string, @Req() req: Request, @Res() res: Response): void {
    const file = this.assets.get(name);
    if (!file) {
      res.status(404).type('text/plain; charset=utf-8').send('no such file\n');
      return;
    }
    res.set({ 'Content-Type': file.type, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=300', ETag: file.etag });
    if (req.headers['if-none-match'] === file.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).send(file.body);
  }

  /**
   * The mailed invite link is `/api/invites/:id/accept?token=…` (API.md §6): an API client POSTs
   * it, a person's browser GETs it. A GET asking for HTML (every browser's navigation does) is sent
   * to the page that signs in or signs up and then POSTs the same link; any other GET (curl without
   * -X POST) keeps the JSON 405 naming POST.
   */
  @Public()
  @Get('api/invites/:id/accept')
  inviteLink(@Param('id', IdParam) id: string, @Query('token') token: unknown, @Req() req: Request, @Res() res: Response): void {
    if (!/\btext\/html\b/i.test(req.headers.accept ?? '')) {
      return sendError(res, 405, 'MethodNotAllowed', `${req.method} is not allowed on ${req.path}`, { headers: { Allow: 'POST' } });
    }
    const t = typeof token === 'string' && token !== '' ? `?token=${encodeURIComponent(token)}` : '';
    res.redirect(303, `/invites/${encodeURIComponent(id)}${t}`);
  }

  @Public()
  @Get('invites/:id')
  invite(@Param('id') id: string, @Res() res: Response): void {
    if (!isId(id)) return sendHtml(res, 404, messagePage('Invitation not found', 'This invitation link is not valid. Check the link in your mail.'));
    sendHtml(res, 200, invitePage(), { script: true });
  }
}
