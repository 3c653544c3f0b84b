import { EntityManager } from 'typeorm';

/**
 * Raw SQL that always returns the rows (TypeORM's `em.query` returns `[rows, count]` for UPDATE
 * and DELETE). Runs on the transaction of `em` when it has one.
 */
export async function sql<T = Record<string, unknown>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  const own = em.queryRunner ? undefined : em.connection.createQueryRunner();
  const runner = em.queryRunner ?? own!;
  try {
    const result = await runner.query(text, params, true);
    return (result.records ?? []) as T[];
  } finally {
    if (own) await own.release();
  }
}

export async function sqlOne<T = Record<string, unknown>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T | undefined> {
  return (await sql<T>(em, text, params))[0];
}
