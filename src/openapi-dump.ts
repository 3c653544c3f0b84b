import { NestFactory } from '@nestjs/core';
import * as fs from 'node:fs';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './common/openapi/document';
import { loadConfig } from './config/config';
import { createLogger } from './logging/logger';

/**
 * Writes the OpenAPI document (the one served at /api/openapi.json) without a database or a
 * server: Nest's preview mode builds the module graph, and the document comes from the
 * controllers' metadata alone. `node dist/src/openapi-dump.js [FILE]` (stdout without FILE).
 */
async function main(): Promise<void> {
  // no connection is made in preview mode; the URL only satisfies the config
  const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: 'postgres://openapi-dump@127.0.0.1:1/none' };
  const app = await NestFactory.create(AppModule.forRoot(config, createLogger('error')), { preview: true, logger: false });
  const doc = buildOpenApiDocument(app);
  const text = JSON.stringify(doc, null, 2) + '\n';
  const out = process.argv[2];
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
  await app.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
