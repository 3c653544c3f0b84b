/** INTERIM stand-in for src/common/idempotency.ts (wip-money): marks the route, replays nothing yet. */
export const Idempotent = (): MethodDecorator => () => undefined;
