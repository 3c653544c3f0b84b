import { QualityConfig } from './backend';
import { CrowdRunReport, runCrowd } from './crowd';
import { HttpBackend, HttpUser, inParallel, registerUser } from './http-backend';

/**
 * `npm run bench -- --only=crowd`: API.md §11.5's benchmark through the HTTP API (issue 16's
 * "Done when"). The same seeded crowd and harness as `npm run bench:crowd-model`, driven against
 * the server the bench started: 200 members (60 % U(0.75, 0.95), 25 % U(0.55, 0.75), 15 %
 * random), `data` data, a binary and a four-label run with overlap 1–7 at confidence 0.95,
 * `dawid_skene`, `gold_rate` 0.1, each next to a fixed 5-answer majority baseline.
 */
export interface CrowdSectionOptions {
  url: string;
  owner: HttpUser;
  seed: number;
  data: number;
  members: number;
  concurrency: number;
  /** `qualification.gold` of the adaptive runs (0 = none) */
  qualGold: number;
  /** only the runs whose name contains one of these words (`adaptive`, `majority`, `binary`, `four`); empty = all four */
  runs?: string[];
  /** `min_quality` of the adaptive runs (null = off) */
  minQuality: number | null;
  log: (msg: string) => void;
}

export const CROWD_TARGETS: Record<string, { accuracy: number; answers: number }> = {
  'binary, adaptive Dawid–Skene': { accuracy: 0.95, answers: 4.3 },
  'four labels, adaptive Dawid–Skene': { accuracy: 0.97, answers: 3.5 },
};

export interface CrowdSectionRun {
  report: CrowdRunReport;
  seconds: number;
  taskId: string;
  batchId: string;
  /** the target's verdict (undefined for the baselines) */
  met?: boolean;
  /** claims and submits the server answered 503 (retried by the client) */
  retried503: number;
}

const BINARY = ['yes', 'no'];
const FOUR = ['cat', 'dog', 'bird', 'other'];

export function crowdRuns(o: Pick<CrowdSectionOptions, 'qualGold' | 'minQuality'>): Array<[string, string[], QualityConfig]> {
  const adaptive = (labels: string[]): QualityConfig => ({
    labels,
    overlap: { min: 1, max: 7, confidence: 0.95 },
    aggregation: 'dawid_skene',
    gold_rate: 0.1,
    qualification: { gold: o.qualGold, min_accuracy: 0.8 },
    min_quality: o.minQuality,
  });
  const baseline = (labels: string[]): QualityConfig => ({
    labels,
    overlap: { min: 5, max: 5, confidence: 0.95 },
    aggregation: 'majority',
    gold_rate: 0,
    qualification: { gold: 0, min_accuracy: 0 },
    min_quality: null,
  });
  return [
    ['binary, adaptive Dawid–Skene', BINARY, adaptive(BINARY)],
    ['binary, fixed 5-answer majority', BINARY, baseline(BINARY)],
    ['four labels, adaptive Dawid–Skene', FOUR, adaptive(FOUR)],
    ['four labels, fixed 5-answer majority', FOUR, baseline(FOUR)],
  ];
}

export async function crowdSection(o: CrowdSectionOptions): Promise<CrowdSectionRun[]> {
  o.log(`crowd: registering ${o.members} members`);
  const crowd = await inParallel(Array.from({ length: o.members }), 5, () => registerUser(o.url, 'crowd'));
  const out: CrowdSectionRun[] = [];
  const chosen = crowdRuns(o).filter(([name]) => !o.runs?.length || o.runs.some((w) => name.includes(w)));
  for (const [name, labels, quality] of chosen) {
    const backend = new HttpBackend({ url: o.url, owner: o.owner, crowd, name: `Crowd ${name}` });
    const started = Date.now();
    o.log(`crowd: ${name}: ${o.data} data, ${o.concurrency} claims in flight`);
    const report = await runCrowd({ name, seed: o.seed, labels, data: o.data, goldItems: 100, members: o.members, rewardCents: 5, quality }, backend, {
      concurrency: o.concurrency,
      progressEvery: 2000,
      onProgress: (n) => o.log(`  ${name}: ${n} answers (${Math.round(n / ((Date.now() - started) / 1000))}/s)`),
    });
    const seconds = (Date.now() - started) / 1000;
    const t = CROWD_TARGETS[name];
    const met = t ? report.accuracy >= t.accuracy && report.answersPerDatum <= t.answers && report.unfinished === 0 : undefined;
    o.log(
      `  ${name}: accuracy ${(report.accuracy * 100).toFixed(2)} %, ${report.answersPerDatum.toFixed(2)} answers/datum, ${report.unfinished} unfinished, ` +
        `reserved ${report.reservedCents}¢ spent ${report.spentCents}¢ refunded ${report.refundedCents}¢ (${report.balanced ? 'balanced' : 'NOT balanced'}), ${report.late} late submits (410), ${backend.retried503} 503s retried, ${seconds.toFixed(0)} s`,
    );
    out.push({ report, seconds, taskId: backend.taskId, batchId: backend.batchId, met, retried503: backend.retried503 });
  }
  return out;
}

const dollars = (c: number) => `$${(c / 100).toFixed(2)}`;
const share = (b: { data: number; right: number }) => `${b.data}, ${b.data ? ((b.right / b.data) * 100).toFixed(1) : '–'} %`;

/** The Markdown table of the runs (the one BENCHMARKS.md records). */
export function crowdTable(runs: CrowdSectionRun[]): string {
  const lines = [
    '| run | accuracy | answers / datum | gold answers / datum | unfinished | refused (good/medium/random) | reserved (cost) | gold share | spent | refunded | spent + refunded = reserved | stopped below max: data, right | at max: data, right | answers/s | 503s retried | target | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { report: r, seconds, met, retried503 } of runs) {
    const t = CROWD_TARGETS[r.name];
    lines.push(
      `| ${r.name} | ${(r.accuracy * 100).toFixed(2)} % | ${r.answersPerDatum.toFixed(2)} | ${r.goldAnswersPerDatum.toFixed(2)} | ${r.unfinished} | ${r.refused.good}/${r.refused.medium}/${r.refused.random} | ${dollars(r.reservedCents)} | ${dollars(r.goldCents)} | ${dollars(r.spentCents)} | ${dollars(r.refundedCents)} | ${r.balanced ? 'yes' : 'NO'} | ${share(r.confident)} | ${share(r.atMax)} | ${(r.submitted / seconds).toFixed(0)} | ${retried503} | ${t ? `≥ ${t.accuracy * 100} % at ≤ ${t.answers}` : ''} | ${met === undefined ? '' : met ? 'met' : 'MISSED'} |`,
    );
  }
  return lines.join('\n');
}
