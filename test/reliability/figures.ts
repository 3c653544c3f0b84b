import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Appends one JSON line of figures (requests, kills survived, fuzz cases, routes in the matrix)
 * to reliability-figures.jsonl at the repository root (git-ignored), so docs/reliability.md can
 * quote the last run. Also printed, so CI logs carry them.
 */
export function writeFigures(test: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ test, at: new Date().toISOString(), ...figures });
  fs.appendFileSync(path.resolve(__dirname, '..', '..', 'reliability-figures.jsonl'), line + '\n');
  process.stdout.write(`[reliability figures] ${line}\n`);
}
