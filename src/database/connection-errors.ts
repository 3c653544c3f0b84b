import { Client, ClientConfig } from 'pg';
import type { Logger } from '../logging/logger';

/**
 * A pg client whose connection dies (the database stops or restarts: 57P01 "terminating
 * connection", ECONNRESET, "Connection terminated unexpectedly") emits 'error'; with no listener
 * at that moment Node.js ends the process. pg-pool listens while a client is idle and expects the
 * borrower to listen while it is checked out, but TypeORM attaches its listener a few promise
 * ticks after the pool hands the client over, and an error already read from the same socket
 * chunk lands in between: the server crashed in the database-outage test (seen on Node 24).
 *
 * So every connection the application opens carries one listener of its own for its whole life.
 * It logs the first error at warn (the connection is dead; later errors are its echoes) and does
 * nothing else: the owner (pg-pool, TypeORM's query runner, graphile-worker, the progress hub)
 * still sees the error where it looks for it, drops the connection and opens a new one when the
 * database is back.
 */
export function watchConnection(client: Client, logger: Logger, pool: string): void {
  let seen = false;
  client.on('error', (err: Error) => {
    if (seen) return;
    seen = true;
    logger.warn({ err, pool }, 'database connection lost; it is replaced when the database is back');
  });
}

/**
 * pg's Client with `watchConnection` from its construction on, for a pool created by a library
 * (TypeORM's `extra: { Client }`): it covers the pool's first connection too, opened before the
 * pool is handed back.
 */
export function watchedClientClass(logger: Logger, pool: string): typeof Client {
  return class WatchedClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(config);
      watchConnection(this, logger, pool);
    }
  };
}
