/**
 * The SQL of results and exports (API.md §13). Every statement reads the two views of migration
 * 1732500600000 — `results` (one row per datum × task: answer, confidence, method) and
 * `result_answers` (the answers of a datum at a task) — so when the quality model lands it
 * replaces the views and nothing here changes (docs/results.md, "The seam").
 */

/** Answers of one result as a JSON array, oldest first. `r` is the results row. */
const ANSWERS_JSON = `
  coalesce((SELECT json_agg(json_build_object('submission_id', ra.submission_id::text, 'member_id', ra.member_id::text,
                                              'value', ra.value, 'status', ra.status, 'seconds', ra.seconds,
                                              'parameters', ra.parameters) ORDER BY ra.submission_id)
              FROM result_answers ra WHERE ra.datum_id = r.datum_id AND ra.task_id = r.task_id), '[]'::json)`;

/**
 * The datum's parameters of result `r`. A scalar subquery on purpose: it is a SubPlan (one
 * `data_pkey` probe per result, evaluated as the row is produced), never a join the planner
 * could turn into a hash join over the whole batch followed by a sort — which would read and
 * sort every row before the first one streams (docs/results.md, "How an export runs").
 */
const PARAMETERS = `(SELECT d.parameters FROM data d WHERE d.id = r.datum_id)`;

/**
 * A page of a batch's results, ascending ids: $1 batch, $2 cursor (NULL: none), $3 limit, $4 offset.
 * `batch_id >= $1 AND batch_id <= $1 … ORDER BY batch_id, id` so work_items_batch_id_idx serves
 * the order directly (the same planner trick as the batch's data, docs/batches.md).
 */
export const RESULTS_PAGE_SQL = `
  SELECT r.id, r.datum_id, r.task_id, r.answer, r.confidence, r.method, ${PARAMETERS} AS parameters, ${ANSWERS_JSON} AS answers
    FROM results r
   WHERE r.batch_id >= $1::bigint AND r.batch_id <= $1::bigint AND ($2::bigint IS NULL OR r.id > $2::bigint)
   ORDER BY r.batch_id, r.id
   LIMIT $3 OFFSET $4`;

/**
 * The exports below are each one streaming plan: an index scan of work_items_batch_id_idx in
 * result order, and per result a few index probes (SubPlans, or a LATERAL that cannot be
 * flattened) — no hash, no full sort, so the first row leaves at once, memory is constant on both
 * sides, and a closed cursor stops the work. `EXPLAIN ANALYZE` of each at 1,000,000 answers is in
 * BENCHMARKS.md. The leading comment names the statement in pg_stat_activity.
 */

/** Every result of the batch with its answers (JSON Lines export): $1 batch. */
export const RESULTS_STREAM_SQL = `/* results export: jsonl */
  SELECT r.id, r.datum_id, r.task_id, r.answer, r.confidence, r.method, ${PARAMETERS} AS parameters, ${ANSWERS_JSON} AS answers
    FROM results r
   WHERE r.batch_id >= $1::bigint AND r.batch_id <= $1::bigint
   ORDER BY r.batch_id, r.id`;

/** Every result of the batch with the count of its approved answers (CSV export): $1 batch. */
export const RESULTS_CSV_SQL = `/* results export: csv */
  SELECT r.id, r.task_id, r.answer, r.confidence, ${PARAMETERS} AS parameters,
         (SELECT count(*) FROM result_answers ra WHERE ra.datum_id = r.datum_id AND ra.task_id = r.task_id AND ra.status = 'approved')::int AS answers_count
    FROM results r
   WHERE r.batch_id >= $1::bigint AND r.batch_id <= $1::bigint
   ORDER BY r.batch_id, r.id`;

/**
 * One row per answer (answers=true), in result order then answer order: $1 batch. `OFFSET 0`
 * keeps the LATERAL subquery from being flattened into a plain join (which the planner may run as
 * a hash join and a full sort); as written it is a nested loop, and the answer order within one
 * result is an incremental sort of that result's few rows.
 */
export const ANSWERS_STREAM_SQL = `/* results export: answers */
  SELECT r.id AS result_id, r.datum_id, r.task_id, ra.submission_id, ra.member_id, ra.value, ra.status, ra.seconds
    FROM results r
   CROSS JOIN LATERAL (SELECT a.submission_id, a.member_id, a.value, a.status, a.seconds
                         FROM result_answers a WHERE a.datum_id = r.datum_id AND a.task_id = r.task_id
                       OFFSET 0) ra
   WHERE r.batch_id >= $1::bigint AND r.batch_id <= $1::bigint
   ORDER BY r.batch_id, r.id, ra.submission_id`;

/**
 * The CSV header's first pass: the keys found under `path` ('{}' = the top level) in the batch's
 * data, aggregated in PostgreSQL (one scan; the server only holds the set of keys), each with
 * whether it holds an object somewhere (walked one level deeper, rare: parameters are flat
 * unless a quality aggregate nests them) and a leaf somewhere. $1 batch, $2 path (text[]).
 */
export const PARAMETER_KEYS_SQL = `
  SELECT k AS key,
         bool_or(jsonb_typeof(d.parameters #> ($2::text[] || k)) = 'object') AS nested,
         bool_or(jsonb_typeof(d.parameters #> ($2::text[] || k)) <> 'object') AS leaf
    FROM data d
   CROSS JOIN LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(d.parameters #> $2::text[]) = 'object' THEN d.parameters #> $2::text[] ELSE '{}'::jsonb END) k
   WHERE d.batch_id = $1::bigint
   GROUP BY k`;

/** A result id of the batch (the cursor check): $1 batch, $2 id. */
export const RESULT_EXISTS_SQL = `SELECT 1 FROM results WHERE id = $2::bigint AND batch_id = $1::bigint`;

/**
 * The progress of a batch (API.md §13.3) and its change counter, from monotone facts only (no
 * row that every submit must update): `change_id` = answers + finished work items of the batch.
 * Answers and the money paid for them are the batch's shard counters (batch_shards, Σ of at most
 * 32 rows); a batch paid before shards existed counts its done work items, each one answer. $1 batch.
 */
export const PROGRESS_SQL = `
  SELECT b.id, b.status, b.data_count, (b.data_completed_count + sh.data_completed)::int AS data_completed_count,
         (CASE WHEN b.shard_count > 0 THEN sh.answers ELSE w.done END)::int AS answers_count,
         (CASE WHEN b.shard_count > 0 THEN sh.spent ELSE w.spent END)::bigint AS spent_cents,
         (w.done + CASE WHEN b.shard_count > 0 THEN sh.answers ELSE w.done END)::bigint AS change_id
    FROM batches b
   CROSS JOIN LATERAL (SELECT count(*) AS done, coalesce(sum(reward_cents), 0) AS spent
                         FROM work_items wi WHERE wi.batch_id = b.id AND wi.status = 'done') w
   CROSS JOIN LATERAL (SELECT coalesce(sum(answers_count), 0) AS answers, coalesce(sum(spent_cents), 0) AS spent,
                              coalesce(sum(data_completed), 0) AS data_completed
                         FROM batch_shards WHERE batch_id = b.id) sh
   WHERE b.id = $1::bigint`;
