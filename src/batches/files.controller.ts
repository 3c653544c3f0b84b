import { Body, Controller, Get, Param, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, CurrentCaller, OptionalCaller, Public } from '../auth/caller';
import { AcceptsBody } from '../common/http-conventions';
import { IdParam } from '../common/ids';
import { FilesService, UploadedFile as Upload } from './files.service';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { File } from './dto/batch.response';

@ApiTags('Batches')
@Controller('api')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /** multipart/form-data: `file` (the bytes), optional `parameter` (default file_url); size limit UPLOAD_LIMIT_BYTES → 413. */
  @ApiDoc({
    id: 'uploadBatchFile',
    summary: 'Upload a file as a new datum',
    description:
      "While the batch is unpaid. The server stores the file, computes its SHA-256 and adds a datum whose `parameter` key holds the file's URL. Past UPLOAD_LIMIT_BYTES a 413.",
    body: true,
    ok: { status: 201, type: File, description: 'the stored file and its datum' },
    errors: [403, 404, 409, 422],
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'the bytes' },
        parameter: { type: 'string', default: 'file_url', description: 'the datum key that gets the file URL' },
      },
    },
  })
  @Post('batches/:id/files')
  @AcceptsBody('multipart')
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(FileInterceptor('file'))
  upload(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @UploadedFile() file: Upload | undefined, @Body() fields: Record<string, unknown>) {
    return this.files.upload(caller, id, file, fields ?? {});
  }

  /** The owner (API key), or a worker with a live assignment on the datum (API key, or ?token= of the assignment). */
  @Public()
  @ApiDoc({
    id: 'downloadFile',
    summary: 'Download a stored file',
    description: 'For the owner, and for workers holding a live assignment on a datum that references it (API key, or `?token=` of the assignment).',
    auth: 'key-or-token',
    ok: {
      status: 200,
      mediaType: 'application/octet-stream',
      schema: { type: 'string', format: 'binary' },
      description: 'the bytes (Content-Type from the file name)',
    },
    errors: [404],
  })
  @ApiQuery({ name: 'token', required: false, type: String, description: 'the token of an assignment on a datum that references the file' })
  @Get('files/:id/:name')
  async download(
    @OptionalCaller() caller: Caller | undefined,
    @Param('id') id: string,
    @Param('name') name: string,
    @Query('token') token: string | undefined,
    @Res() res: Response,
  ) {
    const { file, stream } = await this.files.open(caller, id, name, typeof token === 'string' ? token : undefined);
    res.status(200);
    res.type(file.name.includes('.') ? file.name.slice(file.name.lastIndexOf('.')) : 'application/octet-stream');
    res.setHeader('Content-Length', String(file.file_size));
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    // uploaded bytes are untrusted: never let them run as a page of this origin
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=0');
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
