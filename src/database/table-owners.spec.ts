import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One owner per table (docs/architecture.md, "Who owns which table"): SQL that writes a table
 * (INSERT/UPDATE/DELETE/COPY/MERGE/TRUNCATE, or a TypeORM save/insert/update/delete of its entity)
 * may appear in its owner module's folder only. The tables are read from the migrations; triggers
 * live there, so the ledger tables' triggers count as the ledger module's, not as a second writer.
 * Another module that needs a change of the table calls the owner's repository functions, or
 * composes a hot-path statement from fragments the owner exports (the owner's file spells the SQL).
 * Inside the owner, writes live in its repository files only (`x.repository.ts`, or `x-sql.ts` for
 * hot-path fragments), in every module: services hold rules, not SQL.
 */
export const OWNERS: Record<string, string> = {
  users: 'auth',
  api_keys: 'auth',
  idempotency_keys: 'common', // the Idempotency-Key interceptor (src/common/idempotency.ts)
  rate_limit_counters: 'common', // the shared rate limit (src/common/rate-limit-store.ts)
  guilds: 'guilds',
  workspaces: 'workspaces',
  tasks: 'tasks',
  connections: 'tasks',
  members: 'members',
  invites: 'members',
  subscriptions: 'members',
  ledger_account_heads: 'ledger', // ledger_accounts until 1732500950000; that name is now a view
  ledger_account_shards: 'ledger',
  ledger_transactions: 'ledger',
  ledger_entries: 'ledger',
  payment_methods: 'ledger',
  card_charges: 'ledger',
  payouts: 'ledger',
  batches: 'batches',
  data: 'batches',
  batch_connections: 'batches',
  batch_task_settings: 'batches',
  batch_shards: 'batches',
  files: 'batches',
  file_blobs: 'batches',
  work_items: 'work',
  assignments: 'work',
  submissions: 'work',
  answer_slots: 'work',
  work_item_members: 'work',
  answers: 'work',
  gold_items: 'quality',
  member_task_skills: 'quality', // the Dawid–Skene refresh (B.7); read by the submit
  task_models: 'quality',
  gold_slots: 'quality', // a paid batch's gold share (docs/quality-and-scale.md, gold serving)
  gold_servings: 'quality',
  gold_served: 'quality',
  member_task_stats: 'quality', // per member per task counters and skill (§11.3, §11.4)
  webhooks: 'webhooks',
  webhook_deliveries: 'webhooks',
  webhook_attempts: 'webhooks',
  batch_watchers: 'results', // live progress streams (src/results/progress-hub.ts)
  queue_processes: 'queue', // the queue's live processes (src/queue)
  bonuses: 'bonuses', // API.md §12.4 (src/bonuses)
};

const ROOT = path.resolve(__dirname, '..', '..');
const WRITE_VERBS = ['save', 'insert', 'update', 'delete', 'remove', 'upsert', 'softDelete', 'increment', 'decrement'];

/** Tables that exist after every migration's up(): CREATE TABLE adds, DROP TABLE removes, ALTER TABLE … RENAME TO renames. */
export function migratedTables(): string[] {
  const dir = path.join(ROOT, 'migrations');
  const tables = new Set<string>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => /^\d+-.*\.ts$/.test(f))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const up = text.slice(text.indexOf('async up('), text.indexOf('async down(') >= 0 ? text.indexOf('async down(') : undefined);
    for (const m of up.matchAll(
      /\b(CREATE|DROP)\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([a-z_][a-z0-9_]*(?:\s*,\s*[a-z_][a-z0-9_]*)*)/gi,
    )) {
      for (const name of m[2].split(',').map((s) => s.trim().toLowerCase())) {
        if (m[1].toUpperCase() === 'CREATE') tables.add(name);
        else tables.delete(name);
      }
    }
    for (const m of up.matchAll(/\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?([a-z_][a-z0-9_]*)\s+RENAME\s+TO\s+([a-z_][a-z0-9_]*)/gi)) {
      if (tables.delete(m[1].toLowerCase())) tables.add(m[2].toLowerCase());
    }
  }
  return [...tables].sort();
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** The module a file belongs to: its first folder under src/ ('.' for src/*.ts). */
function moduleOf(file: string): string {
  const rel = path.relative(path.join(ROOT, 'src'), file).split(path.sep);
  return rel.length > 1 ? rel[0] : '.';
}

export interface Source {
  module: string;
  /** the path under src/ (e.g. 'guilds/guilds.service.ts') */
  file: string;
  text: string;
}

/** Every non-test .ts file under src/, with its module. */
export function srcSources(): Source[] {
  return sourceFiles(path.join(ROOT, 'src')).map((f) => ({
    module: moduleOf(f),
    file: path.relative(path.join(ROOT, 'src'), f).split(path.sep).join('/'),
    text: fs.readFileSync(f, 'utf8'),
  }));
}

/** The name under which an ORM write of an entity the check cannot name (`em.save(guild)`) is reported. */
export const UNNAMED_ORM_WRITE = '(an ORM write)';

/** The tables a source writes (plus UNNAMED_ORM_WRITE for an ORM write whose entity it cannot tell). */
function tablesWrittenBy(text: string, entityTable: Map<string, string>, tables: string[]): Set<string> {
  const out = new Set<string>();
  const addEntity = (entity: string) => {
    const table = entityTable.get(entity);
    if (table) out.add(table);
  };
  const sqlWrite = new RegExp(
    `(?<!\\b(?:FOR|DO|KEY)\\s+)\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM|COPY|MERGE\\s+INTO|TRUNCATE(?:\\s+TABLE)?)\\s+(?:ONLY\\s+)?(${tables.join('|')})\\b`,
    'gi',
  );
  const verbs = WRITE_VERBS.join('|');
  for (const m of text.matchAll(sqlWrite)) out.add(m[1].toLowerCase());
  for (const m of text.matchAll(new RegExp(`\\.(?:${verbs})\\(\\s*(\\w+)\\b`, 'g'))) addEntity(m[1]);
  // a repository of the entity: ds.getRepository(XEntity).delete(…), or `const repo = …getRepository(XEntity)`
  // then repo.save(…); @InjectRepository(XEntity) repo; query builders: .insert().into(X), .delete().from(X)
  for (const m of text.matchAll(new RegExp(`getRepository\\(\\s*(\\w+)\\s*\\)\\s*\\.(?:${verbs})\\(`, 'g'))) addEntity(m[1]);
  for (const m of text.matchAll(/(?:(\w+)\s*=\s*[\w.]*getRepository|@InjectRepository)\(\s*(\w+)\s*\)\s*(?:(?:private|readonly|public)\s+)*(\w+)?/g)) {
    const name = m[1] ?? m[3];
    if (name && new RegExp(`\\b${name}\\.(?:${verbs})\\(`).test(text)) addEntity(m[2]);
  }
  for (const m of text.matchAll(/\.(?:into|delete\(\)\s*\.from)\(\s*(\w+)\b/g)) addEntity(m[1]);
  // em.save(em.create(XEntity, …)) and repository.save(entity) of a created entity
  if (/\.save\(/.test(text)) for (const m of text.matchAll(/\.create\(\s*(\w+)\b/g)) addEntity(m[1]);
  // em.save(guild), manager.remove(x), repo.update(…): a write whatever the entity (Map.delete and hash.update are not managers)
  if (new RegExp(`\\b(?:em|\\w*[mM]anager|\\w*[rR]epo(?:sitory)?)\\.(?:${verbs})\\(`).test(text)) out.add(UNNAMED_ORM_WRITE);
  return out;
}

function entityTables(sources: Source[]): Map<string, string> {
  const entityTable = new Map<string, string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/@Entity\(\s*'([a-z_0-9]+)'\s*\)\s*(?:export\s+)?class\s+(\w+)/g)) entityTable.set(m[2], m[1]);
  }
  return entityTable;
}

/** table → the module folders whose code writes it */
export function writersByTable(tables: string[], sources: Source[] = srcSources()): Map<string, Set<string>> {
  const entityTable = entityTables(sources);
  const writers = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const { module: mod, text } of sources) {
    for (const table of tablesWrittenBy(text, entityTable, tables)) writers.get(table)?.add(mod);
  }
  return writers;
}

/** Tables written by a module other than their owner: table → the trespassing modules. */
export function trespassers(tables: string[], sources: Source[] = srcSources()): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [table, mods] of writersByTable(tables, sources)) {
    const others = [...mods].filter((m) => m !== OWNERS[table]).sort();
    if (others.length) out[table] = others;
  }
  return out;
}

/** A file that may spell writes of its module's tables: `x.repository.ts`, or `x-sql.ts` (hot-path fragments). */
export function isRepositoryFile(file: string): boolean {
  return /(?:\.repository|-sql)\.ts$/.test(file);
}

/** Files that write a table but are not a repository file: file → tables. */
export function writesOutsideRepositories(tables: string[], sources: Source[] = srcSources()): Record<string, string[]> {
  const entityTable = entityTables(sources);
  const out: Record<string, string[]> = {};
  for (const { file, text } of sources) {
    if (isRepositoryFile(file)) continue;
    const written = [...tablesWrittenBy(text, entityTable, tables)].sort();
    if (written.length) out[file] = written;
  }
  return out;
}

describe('every table has one owner', () => {
  const tables = migratedTables();

  it('reads the tables of the migrations', () => {
    expect(tables).toEqual(expect.arrayContaining(['users', 'batches', 'work_items', 'ledger_entries', 'webhook_deliveries']));
    expect(tables).not.toContain('jobs'); // dropped by migration 1732500300000
  });

  it('names an owner module for every table', () => {
    expect(tables.filter((t) => !OWNERS[t])).toEqual([]);
    expect(Object.keys(OWNERS).filter((t) => !tables.includes(t))).toEqual([]); // no stale entry
  });

  it('finds the SQL that writes each table in its owner module only', () => {
    expect(trespassers(tables)).toEqual({});
  });

  it("finds writes only in the owner's repository files (x.repository.ts, x-sql.ts)", () => {
    expect(writesOutsideRepositories(tables)).toEqual({});
  });

  it('fails when a service spells a write, even of its own module (the check can fail)', () => {
    const planted: Source[] = [
      { module: 'guilds', file: 'guilds/guilds.service.ts', text: 'await em.save(guild)' },
      { module: 'tasks', file: 'tasks/tasks.service.ts', text: 'await this.db.manager.remove(connection)' },
      { module: 'members', file: 'members/members.service.ts', text: "await sql(em, 'DELETE FROM subscriptions WHERE member_id = $1', [id])" },
      { module: 'auth', file: 'auth/auth.service.ts', text: 'await em.save(em.create(ApiKeyEntity, { userId }))' },
      { module: 'webhooks', file: 'webhooks/webhooks.repository.ts', text: "await sql(em, 'UPDATE webhooks SET events = $2', [])" },
      { module: 'work', file: 'work/work.service.ts', text: "await sql(em, 'UPDATE work_items SET status = $2', [])" },
      { module: 'guilds', file: 'guilds/guilds.service.ts', text: 'this.perKey.delete(id); hash.update(x); this.db.getRepository(GuildEntity).find()' },
    ];
    expect(writesOutsideRepositories(tables, [...srcSources(), ...planted])).toEqual({
      'guilds/guilds.service.ts': [UNNAMED_ORM_WRITE],
      'tasks/tasks.service.ts': [UNNAMED_ORM_WRITE],
      'members/members.service.ts': ['subscriptions'],
      'auth/auth.service.ts': [UNNAMED_ORM_WRITE, 'api_keys'],
      'work/work.service.ts': ['work_items'],
    });
  });

  it('fails when a second module writes a table (the check can fail)', () => {
    const writes = [
      "await sql(em, `UPDATE work_items SET status = 'open' WHERE id = $1`, [id])",
      'await em.query(`INSERT INTO ledger_entries (account_id) VALUES ($1)`)',
      "await sql(em, 'DELETE FROM data WHERE id = $1', [id])",
      'await em.query(`COPY users FROM STDIN`)',
      'await em.save(em.create(GuildEntity, { name }))',
      'await this.db.getRepository(TaskEntity).delete({ id })',
      'const repo = this.db.getRepository(ApiKeyEntity);\nawait repo.update({ id }, { name })',
    ];
    const found = trespassers(tables, [...srcSources(), ...writes.map((text) => ({ module: 'members', file: 'members/x.ts', text }))]);
    expect(found).toEqual({
      work_items: ['members'],
      ledger_entries: ['members'],
      data: ['members'],
      users: ['members'],
      guilds: ['members'],
      tasks: ['members'],
      api_keys: ['members'],
    });
    // reads and row locks are not writes
    const reads = ['SELECT 1 FROM work_items FOR UPDATE SKIP LOCKED', 'INSERT INTO x ON CONFLICT (id) DO UPDATE SET a = 1', 'SELECT … FOR KEY UPDATE'];
    expect(trespassers(tables, [...srcSources(), ...reads.map((text) => ({ module: 'members', file: 'members/x.ts', text }))])).toEqual({});
  });
});
