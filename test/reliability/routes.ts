import type { INestApplication } from '@nestjs/common';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * 'METHOD /path' of every route the running app's Express router holds (Nest controllers, the
 * OpenAPI document, health). The reliability tests iterate over these, so a route added later
 * cannot skip them: a discovered route without a test row fails the test.
 */
export function discoverRoutes(app: INestApplication): string[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const out = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.add(`${m.toUpperCase()} ${layer.route.path}`);
  }
  return [...out].sort();
}
