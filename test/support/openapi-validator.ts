import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks real responses against the OpenAPI document the server serves: the route and the status
 * must be documented, the content type must be one the document lists, and a JSON body must
 * match the schema of that operation and status. Schemas are made strict for the check: an
 * object that lists its properties may carry no other (an undocumented field fails), while the
 * document itself leaves clients free to ignore new fields.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export interface Exchange {
  method: string;
  /** the request path, without the query string */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

export interface Operation {
  method: string;
  template: string;
  operationId: string;
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: Obj }> }>;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OpenAPI 3.0 schema → JSON Schema for Ajv: `nullable`, refs into one bundle, closed objects. */
function toJsonSchema(node: Json, refPrefix: string): Json {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, refPrefix));
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples') continue;
    // `properties` maps names to schemas; its keys are not keywords
    if (k === 'properties' && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s, refPrefix)]));
    else out[k] = toJsonSchema(v, refPrefix);
  }
  if (typeof out.$ref === 'string') out.$ref = out.$ref.replace('#/components/schemas/', `${refPrefix}#/definitions/`);
  if (isObj(out.properties) && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

export class OpenApiValidator {
  readonly operations: Operation[] = [];
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: { paths: Record<string, Record<string, Omit<Operation, 'method' | 'template'>>>; components: { schemas: Obj } }) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    const definitions = Object.fromEntries(Object.entries(doc.components.schemas).map(([name, s]) => [name, toJsonSchema(s, '')]));
    this.ajv.addSchema({ $id: 'openapi', definitions } as object);
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) this.operations.push({ ...op, method: method.toUpperCase(), template });
    }
  }

  /** The documented operation serving `method path` (a literal segment wins over a parameter). */
  find(method: string, path: string): Operation | undefined {
    const matches = this.operations.filter((o) => o.method === method && templateRegex(o.template).test(path));
    return matches.sort((a, b) => paramCount(a.template) - paramCount(b.template))[0];
  }

  /** The problems of one exchange; [] when the document tells the truth about it. */
  check(x: Exchange): string[] {
    const where = `${x.method} ${x.path} → ${x.status}`;
    const op = this.find(x.method, x.path);
    if (!op) return [`${where}: the route is not in the document`];
    const response = op.responses[String(x.status)];
    if (!response) return [`${where}: status ${x.status} is not documented for ${op.operationId} (documented: ${Object.keys(op.responses).join(', ')})`];
    // a redirect's body (Express writes a line of text) is informational: only its status counts
    if (x.status >= 300 && x.status < 400) return [];
    const hasBody = !(x.body === undefined || x.body === '' || (isObj(x.body) && Object.keys(x.body).length === 0));
    if (!response.content) return hasBody ? [`${where}: a body (${x.contentType}) where ${op.operationId} documents none`] : [];
    const media = x.contentType.split(';')[0].trim().toLowerCase();
    const documented = response.content[media] ?? response.content['*/*'];
    if (!documented) return [`${where}: content type ${media || '(none)'} is not documented for ${op.operationId} (documented: ${Object.keys(response.content).join(', ')})`];
    if (media !== 'application/json' || !documented.schema) return [];
    const key = `${op.operationId} ${x.status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(documented.schema, 'openapi') as object);
      this.compiled.set(key, validate);
    }
    if (validate(x.body)) return [];
    return [`${where} (${op.operationId}): ${this.ajv.errorsText(validate.errors, { separator: '; ' })}\n  body: ${JSON.stringify(x.body).slice(0, 600)}`];
  }
}

function templateRegex(template: string): RegExp {
  return new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
}

function paramCount(template: string): number {
  return (template.match(/\{/g) ?? []).length;
}
