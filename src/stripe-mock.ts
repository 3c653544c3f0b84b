import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeMock {
  url: string;
  close(): Promise<void>;
}

/**
 * Test mode's Stripe: the `stripe-stateful-mock` package (customers, charges, refunds,
 * idempotency keys, the tok_* test cards) on a loopback port. The real SDK talks to it.
 */
export async function startStripeMock(): Promise<StripeMock> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only in test mode, and silenced before the mock loads
  require('loglevel').setLevel('silent');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped CommonJS package, loaded only in test mode
  const { createExpressApp } = require('stripe-stateful-mock') as { createExpressApp(): { listen(port: number, host: string): Server } };
  const server = createExpressApp().listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
