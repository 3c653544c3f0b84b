/** The README's "TypeScript SDK" example, kept here so test/sdk.e2e-spec.ts type-checks it with the flow. */
import { createClient } from '../src/index.js';

export async function snippet(): Promise<void> {
  const owner = createClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.OPENGUILDS_KEY });
  const { data: batch, error } = await owner.POST('/api/guilds/{gid}/batches', {
    params: { path: { gid: '1' } },
    body: { batch: { data: [{ audio_url: 'https://example.com/a.mp3' }] } },
  });
  if (error) throw new Error(`${error.type}: ${error.error}`);
  await owner.POST('/api/batches/{id}/debits', { params: { path: { id: batch.id }, header: { 'Idempotency-Key': `pay-${batch.id}` } } });
}
