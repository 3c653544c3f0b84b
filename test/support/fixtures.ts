import { randomBytes } from 'node:crypto';
import TestAgent from 'supertest/lib/agent';

export interface TestUser {
  id: string;
  email: string;
  key: string;
  /** `Authorization` header value (Bearer) */
  auth: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

/** Registers a user through the API and returns its first API key. */
export async function registerUser(http: TestAgent, email = uniqueEmail()): Promise<TestUser> {
  const res = await http.post('/api/register').send({ email, password: 'correct horse battery', password_confirmation: 'correct horse battery' });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, email, key: res.body.api_key, auth: `Bearer ${res.body.api_key}` };
}
