import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BASIC, BEARER } from './api-doc.decorator';
import { ApiErrorBody } from './errors.response';

const DESCRIPTION = `The wire contract of OpenGuilds, a crowd-work marketplace: requesters send batches of data
through a pipeline of tasks; workers claim, do and submit the work and are paid.

**Authentication.** Send your API key as the HTTP Basic username with an empty password
(\`curl -u KEY:\`), as Basic with only the key (\`Basic base64(KEY)\`), or as \`Authorization: Bearer KEY\`.
\`POST /api/register\` gives the first key.

**Conventions.** ids are strings of decimal integers; times are ISO-8601 UTC with milliseconds;
money is rendered twice (\`"cost": "$6.00"\`, \`"cost_cents": 600\`); collections are List objects
(\`limit\` 1–100, \`page\` from 1). Every error has the ApiErrorBody shape.

**Versions.** Requests with \`OpenGuilds-Version: 2018-12-18\` get the older shapes: nested
collections wrapped as Lists and connections with \`source_id\`/\`target_id\`. This document
describes the default shapes.`;

const TAGS: Record<string, string> = {
  Accounts: 'Registration, the caller, API keys (API.md §1.3).',
  Batches: 'Batches of data sent through a guild\'s pipeline; files; paying (API.md §5).',
  Guilds: 'A requester\'s guilds (API.md §2).',
  Invites: 'Inviting workers into a guild (API.md §6).',
  Members: 'The workers of a guild (API.md §6).',
  Operations: 'Liveness and readiness (API.md §10).',
  Subscriptions: 'Which tasks a worker wants work from (API.md §6).',
  Tasks: 'Tasks and the connections between them: the pipeline (API.md §4).',
  Wallets: 'Wallets, transactions, payouts, cards (API.md §8).',
  Webhooks: 'Signed calls to the requester when a batch completes; their delivery log (API.md §9).',
  Work: 'Claiming and submitting work (API.md §7).',
  Workspaces: 'The web pages workers do the work in (API.md §3).',
};

/**
 * The OpenAPI document, generated from the controllers' decorators (ApiDoc) and the response
 * classes (src/<module>/dto/*.response.ts). Served at /api/openapi.json; `npm run openapi:dump`
 * writes the same document without a database (docs/openapi.md).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OpenGuilds API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addServer('/', 'this server')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'The API key as the username, empty password (or the key alone, no colon).' }, BASIC)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'Authorization: Bearer <API key>' }, BEARER)
    .build();
  const doc = SwaggerModule.createDocument(app, config, { extraModels: [ApiErrorBody] });
  // Controllers are scanned in module order; list the tags once, alphabetically, for the docs page.
  const tags = new Set<string>();
  for (const item of Object.values(doc.paths)) for (const op of Object.values(item)) for (const t of (op as { tags?: string[] }).tags ?? []) tags.add(t);
  doc.tags = [...tags].sort().map((name) => ({ name, ...(TAGS[name] ? { description: TAGS[name] } : {}) }));
  return doc;
}

export function serveOpenApi(app: INestApplication): void {
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/openapi.json', yamlDocumentUrl: 'api/openapi.yaml' });
}
