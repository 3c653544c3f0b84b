import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';

/**
 * The only code that writes the bonuses table (docs/architecture.md, "Who owns which table"),
 * and the bonuses module's raw reads. One function per statement; pass the transaction's `em`.
 */

/**
 * What a bonus is given for: a submitted piece of work, named by its `submissions.id` (the id of
 * the Submission object of API.md §12.1; docs/bonuses-and-blocks.md), with its guild, the guild's
 * owner, the member who did the work and the batch it belongs to.
 */
export interface BonusTargetRow {
  submission_id: string;
  guild_id: string;
  owner_id: string;
  member_id: string;
  member_user_id: string;
  batch_id: string;
}

export function bonusTarget(em: EntityManager, submissionId: string): Promise<BonusTargetRow | undefined> {
  return sqlOne<BonusTargetRow>(
    em,
    `SELECT s.id AS submission_id, t.guild_id, g.owner_id, s.member_id, a.user_id AS member_user_id, d.batch_id
       FROM submissions s
       JOIN assignments a ON a.id = s.assignment_id
       JOIN tasks t ON t.id = s.task_id
       JOIN guilds g ON g.id = t.guild_id
       JOIN data d ON d.id = s.datum_id
      WHERE s.id = $1`,
    [submissionId],
  );
}

/** A fresh bonus id, taken before the money moves: the payment's purpose key (`bonus:<id>`) is made of it. */
export async function newBonusId(em: EntityManager): Promise<string> {
  const row = await sqlOne<{ id: string }>(em, `SELECT nextval(pg_get_serial_sequence('bonuses', 'id'))::text AS id`);
  return row!.id;
}

export interface BonusRow {
  id: string;
  submission_id: string;
  guild_id: string;
  member_id: string;
  batch_id: string;
  payer_user_id: string;
  amount_cents: string;
  reason: string;
  ledger_transaction_id: string;
  created: Date;
}

export async function insertBonus(
  em: EntityManager,
  b: {
    id: string;
    submissionId: string;
    guildId: string;
    memberId: string;
    batchId: string;
    payerUserId: string;
    amountCents: number;
    reason: string;
    ledgerTransactionId: string;
  },
): Promise<BonusRow> {
  const rows = await sql<BonusRow>(
    em,
    `INSERT INTO bonuses (id, submission_id, guild_id, member_id, batch_id, payer_user_id, amount_cents, reason, ledger_transaction_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [b.id, b.submissionId, b.guildId, b.memberId, b.batchId, b.payerUserId, b.amountCents, b.reason, b.ledgerTransactionId],
  );
  return rows[0];
}
