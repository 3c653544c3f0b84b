import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The console's browser files (public/console/*.js, *.css) are plain files in the repository, not
 * strings in TypeScript like the worker's two small ones: at ~1,000 lines a script wants Prettier,
 * ESLint and a reader's editor. They are read once at startup from the package root, which is found
 * by walking up from this module, so the same code serves them under ts-jest (src/pages) and from
 * the build (dist/src/pages) with no copy step in `npm run build`.
 */
export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'public'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`public/ not found above ${from}: the console's browser files ship with the package`);
  }
}

/** Every file of public/<dir>, by name. Throws at startup if one is missing, not at the first request. */
export function loadStaticDir(dir: string, names: string[]): Map<string, StaticFile> {
  const root = path.join(packageRoot(__dirname), 'public', dir);
  const files = new Map<string, StaticFile>();
  for (const name of names) {
    const body = fs.readFileSync(path.join(root, name));
    files.set(name, {
      body,
      type: TYPES[path.extname(name)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
  return files;
}
