import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as fs from 'node:fs';

/**
 * The read-path baseline: the same framework (NestJS 11 on Express) serving a fixed JSON body of
 * the same size as the measured batch response, with no auth, database or presenting. The body
 * is read from BARE_BODY_FILE at start so both endpoints serialize the same object.
 */
const body: unknown = JSON.parse(fs.readFileSync(process.env.BARE_BODY_FILE!, 'utf8'));

@Controller()
class BareController {
  @Get('health')
  health() {
    return { status: 'ok' };
  }
  @Get('bare')
  bare() {
    return body;
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main() {
  const app = await NestFactory.create(BareModule, { logger: false });
  await app.listen(Number(process.env.PORT));
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
void main();
