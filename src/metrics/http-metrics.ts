import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics.service';

/**
 * Counts and times every request by its route pattern (`/api/batches/:id`, read from the route
 * Express matched), never the raw URL: ids and tokens stay out of the labels and the number of
 * series stays bounded. Requests that matched no route share the label `unmatched`.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const labels = { method: req.method, route: typeof route === 'string' ? route : 'unmatched', status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
