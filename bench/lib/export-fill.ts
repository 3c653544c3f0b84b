/**
 * The export benchmark's data: a completed batch of `n` data at one task, each with the rows a
 * claim + submit leaves behind (src/work/work-sql.ts CLAIM_SQL and SUBMIT_SQL): the datum
 * `completed` with the answer merged into its parameters, its work item `done` pointing at its
 * assignment, the assignment `submitted` with `parameters_seen`, and one submission. Ledger rows
 * (the rewards) are not made: nothing in an export reads them.
 *
 * Made with four `INSERT … SELECT generate_series` statements and no joins: the ids of each table
 * are reserved up front from its identity sequence (`setval`), so every row's foreign keys are
 * arithmetic on `g`. With a superuser connection (the embedded database) the foreign-key triggers
 * are skipped for the fill (`session_replication_role = replica`); the ids are correct by
 * construction, and the bench checks the counts afterwards.
 */
export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export interface ExportFill {
  batchId: string;
  /** what the fill took, by step, in seconds */
  seconds: Record<string, number>;
}

async function reserve(q: Query, table: string, n: number): Promise<bigint> {
  // the next value of the table's identity, then the sequence moved past the n ids taken
  const [{ first }] = await q<{ first: string }>(
    `SELECT setval(pg_get_serial_sequence($1, 'id'), nextval(pg_get_serial_sequence($1, 'id')) + $2::bigint - 1) - $2::bigint + 1 AS first`,
    [table, n],
  );
  return BigInt(first);
}

export async function fillCompletedBatch(
  q: Query,
  o: { guildId: string; ownerId: string; taskId: string; memberId: string; userId: string; n: number },
): Promise<ExportFill> {
  const seconds: Record<string, number> = {};
  const step = async (name: string, f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    seconds[name] = Math.round((performance.now() - t) / 100) / 10;
  };
  const [{ su }] = await q<{ su: boolean }>(`SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user`);
  if (su) await q(`SET session_replication_role = replica`);
  let batchId: string;
  try {
    [{ id: batchId }] = await q<{ id: string }>(
      `INSERT INTO batches (guild_id, owner_id, status, cost_cents, paid_at, completed_at, data_count, data_completed_count)
       VALUES ($1, $2, 'completed', $3::bigint, now() - interval '1 hour', now(), $3::int, $3::int) RETURNING id`,
      [o.guildId, o.ownerId, o.n],
    );
    // ids: datum g is d0 + g - 1, its work item w0 + g - 1, assignment a0 + g - 1, submission s0 + g - 1
    const d0 = await reserve(q, 'data', o.n);
    const w0 = await reserve(q, 'work_items', o.n);
    const a0 = await reserve(q, 'assignments', o.n);
    const s0 = await reserve(q, 'submissions', o.n);
    // what a datum holds before (input) and after the submit merged the answer in
    const input = `jsonb_build_object('image_url', 'https://images.example.com/bench/' || g || '.png', 'caption', 'benchmark datum number ' || g)`;
    const answer = `'{"answer": "a cat"}'::jsonb`;
    await step('data', () =>
      q(
        `INSERT INTO data (id, batch_id, status, parameters, open_work_count, created, updated) OVERRIDING SYSTEM VALUE
         SELECT $1::bigint + g - 1, $2::bigint, 'completed', ${input} || ${answer}, 0, now() - interval '1 hour', now()
           FROM generate_series(1, $3::int) g`,
        [String(d0), batchId, o.n],
      ),
    );
    await step('work_items', () =>
      q(
        `INSERT INTO work_items (id, batch_id, datum_id, task_id, status, reward_cents, assignment_id, lease_expires_at, created, updated) OVERRIDING SYSTEM VALUE
         SELECT $1::bigint + g - 1, $2::bigint, $3::bigint + g - 1, $4::bigint, 'done', 1, $5::bigint + g - 1, now() + interval '10 minutes', now() - interval '1 hour', now()
           FROM generate_series(1, $6::int) g`,
        [String(w0), batchId, String(d0), o.taskId, String(a0), o.n],
      ),
    );
    await step('assignments', () =>
      q(
        `INSERT INTO assignments (id, work_item_id, member_id, user_id, task_id, datum_id, status, token_hash, reward_cents, expires,
                                  submitted_at, created, updated, parameters_seen) OVERRIDING SYSTEM VALUE
         SELECT $1::bigint + g - 1, $2::bigint + g - 1, $3::bigint, $4::bigint, $5::bigint, $6::bigint + g - 1, 'submitted',
                sha256(('bench-export-' || $7::text || '-' || g)::bytea), 1, now() + interval '10 minutes',
                now() - interval '20 minutes', now() - interval '20 minutes' - (g % 97) * interval '1 second', now() - interval '20 minutes',
                ${input} || ${answer}
           FROM generate_series(1, $8::int) g`,
        [String(a0), String(w0), o.memberId, o.userId, o.taskId, String(d0), batchId, o.n],
      ),
    );
    await step('submissions', () =>
      q(
        `INSERT INTO submissions (id, assignment_id, datum_id, task_id, member_id, parameters, created) OVERRIDING SYSTEM VALUE
         SELECT $1::bigint + g - 1, $2::bigint + g - 1, $3::bigint + g - 1, $4::bigint, $5::bigint, ${answer}, now() - interval '20 minutes'
           FROM generate_series(1, $6::int) g`,
        [String(s0), String(a0), String(d0), o.taskId, o.memberId, o.n],
      ),
    );
  } finally {
    if (su) await q(`SET session_replication_role = DEFAULT`);
  }
  // what autovacuum would have done to a batch finished a while ago: hint bits, visibility map, statistics
  await step('vacuum', () => q(`VACUUM (ANALYZE) data, work_items, assignments, submissions, batches`));
  await step('checkpoint', () => q('CHECKPOINT'));
  const [c] = await q<{ d: string; w: string; a: string; s: string }>(
    `SELECT (SELECT count(*) FROM data WHERE batch_id = $1) AS d,
            (SELECT count(*) FROM work_items WHERE batch_id = $1 AND status = 'done') AS w,
            (SELECT count(*) FROM assignments a JOIN work_items w ON w.id = a.work_item_id AND w.assignment_id = a.id AND a.datum_id = w.datum_id WHERE w.batch_id = $1) AS a,
            (SELECT count(*) FROM submissions s JOIN assignments a ON a.id = s.assignment_id AND a.datum_id = s.datum_id JOIN work_items w ON w.id = a.work_item_id WHERE w.batch_id = $1) AS s`,
    [batchId],
  );
  if ([c.d, c.w, c.a, c.s].some((x) => Number(x) !== o.n)) throw new Error(`export fill: ${JSON.stringify(c)} rows, expected ${o.n} each`);
  return { batchId, seconds };
}
