import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { toCursorPage } from '../common/pagination';
import { wireId, wireList } from '../common/wire';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import {
  BulkApprovalOutcomeList,
  BulkApproveDto,
  RejectSubmissionDto,
  ReviewMessageDto,
  Submission,
  SubmissionList,
  SubmissionListQuery,
} from './dto/review.dto';
import { RejectReason } from './review.repository';
import { ReviewSubmissions } from './review.usecase';
import { SubmissionsService } from './submissions.service';

/** Submissions, review and appeals (API.md §12.1–§12.3). HTTP shape only: the rules are in review.usecase.ts. */
@ApiTags('Review')
@Controller('api')
export class ReviewController {
  constructor(
    private readonly submissions: SubmissionsService,
    private readonly review: ReviewSubmissions,
  ) {}

  @ApiDoc({
    id: 'listTaskSubmissions',
    summary: "List a task's submissions (the review queue)",
    description: 'Guild owner only. Oldest first; `status` filters (`pending` is the review queue).',
    ok: { status: 200, type: SubmissionList, description: 'oldest first' },
    errors: [404, 422],
  })
  @Get('tasks/:id/submissions')
  ofTask(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: SubmissionListQuery) {
    return this.submissions.ofTask(caller, id, toCursorPage(q), q.status);
  }

  @ApiDoc({
    id: 'listMySubmissions',
    summary: "List the caller's own submissions",
    description: 'In every guild where the caller worked. Newest first.',
    ok: { status: 200, type: SubmissionList, description: 'newest first' },
    errors: [422],
  })
  @Get('me/submissions')
  mine(@CurrentCaller() caller: Caller, @Query() q: SubmissionListQuery) {
    return this.submissions.mine(caller, toCursorPage(q), q.status);
  }

  @ApiDoc({
    id: 'getSubmission',
    summary: 'Get a submission',
    description: "The guild's owner, or the member who submitted it.",
    ok: { status: 200, type: Submission, description: 'the submission' },
    errors: [404],
  })
  @Get('submissions/:id')
  get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.submissions.get(caller, id);
  }

  @ApiDoc({
    id: 'approveSubmission',
    summary: 'Approve a pending submission, or an open appeal',
    description:
      "Guild owner only. A pending submission is approved and paid from the batch's escrow (the submit's effects happen now). A rejected submission with an open appeal has the appeal approved: the member is paid from the owner's wallet in the guild, the shortfall charged to the owner's card. Anything else is a 409.",
    ok: { status: 200, type: Submission, description: 'the submission, `approved`' },
    errors: [402, 404, 409],
  })
  @Post('submissions/:id/approve')
  @HttpCode(200)
  async approve(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    await this.review.approve(caller, id);
    return this.submissions.get(caller, id);
  }

  @ApiDoc({
    id: 'rejectSubmission',
    summary: 'Reject a pending submission',
    description:
      "Guild owner only. `reason` one of incorrect, incomplete, spam, other; `message` (1–2,000 characters) is shown to the member. The answer's slot opens again for another member, paid from the same reservation. Not pending: 409.",
    body: true,
    ok: { status: 200, type: Submission, description: 'the submission, `rejected`' },
    errors: [404, 409, 422],
  })
  @Post('submissions/:id/reject')
  @HttpCode(200)
  async reject(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: RejectSubmissionDto) {
    await this.review.reject(caller, id, dto.reason as RejectReason, dto.message);
    return this.submissions.get(caller, id);
  }

  @ApiDoc({
    id: 'approveTaskSubmissions',
    summary: 'Approve many submissions of a task',
    description:
      'Guild owner only. At most 1,000 ids; each is approved on its own and the answer lists every id with its outcome, so one bad id does not stop the others.',
    body: true,
    ok: { status: 200, type: BulkApprovalOutcomeList, description: 'one outcome per id, in the order given' },
    errors: [404, 422],
  })
  @Post('tasks/:id/submissions/approve')
  @HttpCode(200)
  async bulkApprove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: BulkApproveDto) {
    const outcomes = await this.review.bulkApprove(
      caller,
      id,
      dto.ids.map((i) => wireId(i)),
    );
    return wireList(
      `/api/tasks/${id}/submissions/approve`,
      outcomes.map((o) => ({ object: 'ApprovalOutcome' as const, ...o })),
      1,
      false,
    );
  }

  @ApiDoc({
    id: 'appealSubmission',
    summary: 'Appeal a rejection',
    description:
      'The member who submitted it, once, within 7 days of the rejection. A second appeal, a late one, or an appeal of what is not rejected is a 409.',
    body: true,
    ok: { status: 200, type: Submission, description: 'the submission with its appeal `open`' },
    errors: [404, 409, 422],
  })
  @Post('submissions/:id/appeal')
  @HttpCode(200)
  async appeal(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: ReviewMessageDto) {
    await this.review.appeal(caller, id, dto.message);
    return this.submissions.get(caller, id);
  }

  @ApiDoc({
    id: 'upholdSubmission',
    summary: 'Uphold a rejection (answer an appeal)',
    description: 'Guild owner only; the rejection stands and `message` answers the appeal. Without an open appeal: 409.',
    body: true,
    ok: { status: 200, type: Submission, description: 'the submission with its appeal `upheld`' },
    errors: [404, 409, 422],
  })
  @Post('submissions/:id/uphold')
  @HttpCode(200)
  async uphold(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: ReviewMessageDto) {
    await this.review.uphold(caller, id, dto.message);
    return this.submissions.get(caller, id);
  }
}
