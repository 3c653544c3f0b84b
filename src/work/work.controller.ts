import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { NoFilesInterceptor } from '@nestjs/platform-express';
import { ApiBasicAuth, ApiBearerAuth, ApiConsumes, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Request, Response } from 'express';
import { Caller, CurrentCaller, OptionalCaller, Public } from '../auth/caller';
import { ApiError, ErrorDetail, invalid, invalidField, missingParam, unauthorized } from '../common/errors';
import { AcceptsBody } from '../common/http-conventions';
import { IdParam } from '../common/ids';
import { CursorPageQuery, toCursorPage } from '../common/pagination';
import { normalizeDatum, Params } from '../batches/datum-input';
import { AssignmentAuth, WorkService } from './work.service';

const ASSIGNMENT_STATUSES = ['claimed', 'submitted', 'released', 'expired'];

class AssignmentListQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: ASSIGNMENT_STATUSES })
  @IsOptional()
  @IsIn(ASSIGNMENT_STATUSES)
  status?: string;
}

/** Form fields that address the submit rather than carry work (API.md §7). */
const CONTROL_FIELDS = new Set(['assignmentId', 'workerId', 'token', 'return_to']);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, message: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:32em;margin:4em auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>\n`;
}

function single(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

@ApiTags('Work')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class WorkController {
  constructor(private readonly work: WorkService) {}

  /** 201 with an Assignment, or 204 when no work is open at the task. */
  @Post('tasks/:id/claims')
  async claim(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Res({ passthrough: true }) res: Response) {
    const a = await this.work.claim(caller, id);
    if (!a) {
      res.status(204);
      return undefined;
    }
    res.status(201);
    return a;
  }

  @Get('assignments')
  list(@CurrentCaller() caller: Caller, @Query() q: AssignmentListQuery) {
    return this.work.list(caller, toCursorPage(q), q.status);
  }

  /** Its worker by API key, or with ?token= (the submit_to token). */
  @Public()
  @Get('assignments/:id')
  get(@OptionalCaller() caller: Caller | undefined, @Param('id', IdParam) id: string, @Query('token') token: unknown) {
    return this.work.get(this.auth(caller, token), id);
  }

  @Public()
  @Post('assignments/:id/release')
  @HttpCode(200)
  release(@OptionalCaller() caller: Caller | undefined, @Param('id', IdParam) id: string, @Query('token') token: unknown) {
    return this.work.release(this.auth(caller, token), id);
  }

  /**
   * JSON `{"parameters": {...}}` with the API key → the updated Assignment (200); or a browser
   * form (urlencoded or multipart) to submit_to, authorised by its token → a small HTML page, or a
   * 303 to return_to.
   */
  @Public()
  @Post('assignments/:id/submit')
  @AcceptsBody('form', 'multipart')
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data')
  @UseInterceptors(NoFilesInterceptor())
  @HttpCode(200)
  async submit(
    @OptionalCaller() caller: Caller | undefined,
    @Param('id', IdParam) id: string,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const isForm = !!req.is(['application/x-www-form-urlencoded', 'multipart/form-data']);
    const fields = body ?? {};
    if (!isForm) {
      const token = single(query.token) ?? fields.token;
      if (fields.parameters === undefined || fields.parameters === null) throw missingParam('parameters');
      return this.work.submit(this.auth(caller, token), id, this.params(fields.parameters, 'parameters'));
    }
    try {
      const token = single(query.token) ?? single(fields.token);
      const returnTo = single(query.return_to) ?? single(fields.return_to);
      if (returnTo !== undefined && (typeof returnTo !== 'string' || !/^https?:\/\/[^\s]+$/i.test(returnTo))) throw invalidField('return_to', 'must be an http(s) URL');
      const raw: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(fields)) if (!CONTROL_FIELDS.has(k)) raw[k] = single(v);
      await this.work.submit(this.auth(caller, token), id, this.params(raw, 'form'));
      if (returnTo) {
        res.redirect(303, returnTo as string);
        return undefined;
      }
      res.type('text/html; charset=utf-8');
      return page('Thank you', 'Your work was submitted. You can close this page.');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.status(err.getStatus()).type('text/html; charset=utf-8');
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
      return page('Not submitted', err.message);
    }
  }

  private auth(caller: Caller | undefined, token: unknown): AssignmentAuth {
    const t = typeof token === 'string' && token !== '' ? token : undefined;
    if (!caller && !t) throw unauthorized('Send your API key, or the token of submit_to');
    return { caller, token: t };
  }

  private params(raw: unknown, field: string): Params {
    const details: ErrorDetail[] = [];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidField(field, 'must be an object of parameters');
    const p = normalizeDatum(raw, field, [], details);
    if (!p) throw invalid(`${details[0].field} ${details[0].message}`, details);
    return p;
  }
}
