import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { NoFilesInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Request, Response } from 'express';
import { Caller, CurrentCaller, OptionalCaller, Public } from '../auth/caller';
import { ApiError, ErrorDetail, invalid, invalidField, missingParam, unauthorized } from '../common/errors';
import { AcceptsBody } from '../common/http-conventions';
import { IdParam } from '../common/ids';
import { CursorPageQuery, toCursorPage } from '../common/pagination';
import { normalizeDatum, Params } from '../batches/datum-input';
import { AssignmentAuth, WorkService } from './work.service';
import { ApiBody, ApiExtraModels, ApiQuery, getSchemaPath } from '@nestjs/swagger';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { Assignment, AssignmentList } from './dto/assignment.response';
import { SUBMIT_FORM_SCHEMA, SubmitAssignmentBody } from './dto/submit.request';

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
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:32em;margin:4em auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>\n`
  );
}

function single(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

@ApiTags('Work')
@Controller('api')
export class WorkController {
  constructor(private readonly work: WorkService) {}

  /** 201 with an Assignment, or 204 when no work is open at the task. */
  @ApiDoc({
    id: 'claimWork',
    summary: 'Claim the next piece of open work at a task',
    description: "For members subscribed to the task; oldest work first. The claim holds a lease (the task's `lease_seconds`).",
    ok: [
      { status: 201, type: Assignment, description: 'the assignment' },
      { status: 204, description: 'no work is open at the task' },
    ],
    errors: [403, 404],
  })
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

  @ApiDoc({
    id: 'listAssignments',
    summary: "List the caller's assignments",
    ok: { status: 200, type: AssignmentList, description: 'newest first' },
    errors: [422],
  })
  @Get('assignments')
  list(@CurrentCaller() caller: Caller, @Query() q: AssignmentListQuery) {
    return this.work.list(caller, toCursorPage(q), q.status);
  }

  /** Its worker by API key, or with ?token= (the submit_to token). */
  @Public()
  @ApiDoc({
    id: 'getAssignment',
    summary: 'Get an assignment',
    description: 'Its worker, by API key or with `?token=` (the token of submit_to).',
    auth: 'key-or-token',
    ok: { status: 200, type: Assignment, description: 'the assignment' },
    errors: [404],
  })
  @ApiQuery({ name: 'token', required: false, type: String, description: 'the token of submit_to, instead of an API key' })
  @Get('assignments/:id')
  get(@OptionalCaller() caller: Caller | undefined, @Param('id', IdParam) id: string, @Query('token') token: unknown) {
    return this.work.get(this.auth(caller, token), id);
  }

  @Public()
  @ApiDoc({
    id: 'releaseAssignment',
    summary: 'Give the work back to the pool',
    auth: 'key-or-token',
    ok: { status: 200, type: Assignment, description: 'the assignment, status `released`' },
    errors: [404, 409, 410],
  })
  @ApiQuery({ name: 'token', required: false, type: String, description: 'the token of submit_to, instead of an API key' })
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
  @ApiDoc({
    id: 'submitAssignment',
    summary: 'Submit the work of an assignment',
    description:
      'JSON `{"parameters": {...}}` with the API key (or `token`) answers with the Assignment. A browser form (urlencoded or multipart) posted to `submit_to` answers with a small HTML page, or a 303 to `return_to`; its errors are HTML pages with the same statuses. In one transaction: the parameters are merged into the datum, the reward moves to the worker\'s wallet, the datum moves on, and the batch may complete (its webhooks are queued). Twice is a 409; a lapsed lease a 410.',
    auth: 'key-or-token',
    body: true,
    ok: [
      {
        status: 200,
        content: { 'application/json': { $ref: getSchemaPath(Assignment) }, 'text/html': { type: 'string' } },
        description: 'submitted: the Assignment (JSON) or a thank-you page (form)',
      },
      {
        status: 303,
        description: 'submitted (form with `return_to`): redirect there',
        headers: { Location: { description: 'the return_to URL', schema: { type: 'string' } } },
      },
    ],
    errors: [403, 404, 409, 410, 422],
  })
  @ApiExtraModels(Assignment, SubmitAssignmentBody)
  @ApiBody({ schema: { anyOf: [{ $ref: getSchemaPath(SubmitAssignmentBody) }, SUBMIT_FORM_SCHEMA] } })
  @ApiQuery({ name: 'token', required: false, type: String, description: 'the token of submit_to, instead of an API key' })
  @ApiQuery({ name: 'return_to', required: false, type: String, description: 'form posts: an http(s) URL to redirect to (303) after the submit' })
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
      if (returnTo !== undefined && (typeof returnTo !== 'string' || !/^https?:\/\/[^\s]+$/i.test(returnTo)))
        throw invalidField('return_to', 'must be an http(s) URL');
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
