import { DEFAULT_DS_PRIOR, DsPrior } from '../../src/quality/aggregation/dawid-skene';
import { mulberry32 } from '../../src/quality/aggregation/simulated-crowd';
import { QualityConfig } from './backend';
import { CrowdRunReport, CrowdRunSpec, runCrowd } from './crowd';
import { ModelBackend } from './model-backend';

/**
 * `npm run bench:crowd-model [-- --seed=N --data=N --refresh=N]`: API.md §11.5's benchmark at the
 * model level (not yet through HTTP): the adaptive Dawid–Skene setting and a fixed 5-answer
 * majority baseline, binary and four labels, same crowd and seed. Prints a Markdown table.
 */
const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const SEED = arg('seed', 11);
const DATA = arg('data', 5000);
const REFRESH = arg('refresh', 100);
const PRIOR: DsPrior = {
  ...DEFAULT_DS_PRIOR,
  accuracy: arg('prior-accuracy', DEFAULT_DS_PRIOR.accuracy),
  strength: arg('prior-strength', DEFAULT_DS_PRIOR.strength),
};
const MIN = arg('min', 1);
const QUAL_GOLD = arg('qual-gold', 5);
/** --min-quality=0 turns min_quality off */
const MIN_QUALITY = arg('min-quality', 0.7) || null;

const BINARY = ['yes', 'no'];
const FOUR = ['cat', 'dog', 'bird', 'other'];

/** The settings under test: §11.5's overlap 1–7 at 0.95, gold_rate 0.1, and the contract's example qualification and min_quality. */
const adaptive = (labels: string[]): QualityConfig => ({
  labels,
  overlap: { min: MIN, max: 7, confidence: 0.95 },
  aggregation: 'dawid_skene',
  gold_rate: 0.1,
  qualification: { gold: QUAL_GOLD, min_accuracy: 0.8 },
  min_quality: MIN_QUALITY,
});
/** The baseline: every datum gets five answers, majority vote, no gold, nobody filtered. */
const baseline = (labels: string[]): QualityConfig => ({
  labels,
  overlap: { min: 5, max: 5, confidence: 0.95 },
  aggregation: 'majority',
  gold_rate: 0,
  qualification: { gold: 0, min_accuracy: 0 },
  min_quality: null,
});

const targets: Record<string, { accuracy: number; answers: number }> = {
  'binary, adaptive Dawid–Skene': { accuracy: 0.95, answers: 4.3 },
  'four labels, adaptive Dawid–Skene': { accuracy: 0.97, answers: 3.5 },
};

async function main() {
  const runs: Array<[string, string[], QualityConfig]> = [
    ['binary, adaptive Dawid–Skene', BINARY, adaptive(BINARY)],
    ['binary, fixed 5-answer majority', BINARY, baseline(BINARY)],
    ['four labels, adaptive Dawid–Skene', FOUR, adaptive(FOUR)],
    ['four labels, fixed 5-answer majority', FOUR, baseline(FOUR)],
  ];
  const reports: CrowdRunReport[] = [];
  for (const [name, labels, quality] of runs) {
    const spec: CrowdRunSpec = { name, seed: SEED, labels, data: DATA, goldItems: 100, members: 200, rewardCents: 5, quality };
    const started = Date.now();
    // the backend draws (gold choice) from its own stream, so the crowd's answers are the same in every run
    const r = await runCrowd(spec, new ModelBackend({ refreshEvery: REFRESH, prior: PRIOR, rnd: mulberry32(SEED ^ 0x5eed) }));
    reports.push(r);
    console.error(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(
    `\nseed ${SEED}, ${DATA} data, 200 members, 100 gold items, reward 5¢, DS refreshed every ${REFRESH} answers, prior accuracy ${PRIOR.accuracy} × ${PRIOR.strength}, overlap min ${MIN}, qualification.gold ${QUAL_GOLD}, min_quality ${MIN_QUALITY}\n`,
  );
  console.log(
    '| run | accuracy | answers / datum | gold answers / datum | refused (good/medium/random) | reserved | spent | refunded | spent + refunded = reserved | target | verdict |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  let ok = true;
  for (const r of reports) {
    const t = targets[r.name];
    const met = t ? r.accuracy >= t.accuracy && r.answersPerDatum <= t.answers && r.unfinished === 0 : undefined;
    if (met === false || !r.balanced) ok = false;
    console.log(
      `| ${r.name} | ${(r.accuracy * 100).toFixed(2)} % | ${r.answersPerDatum.toFixed(2)} | ${r.goldAnswersPerDatum.toFixed(2)} | ${r.refused.good}/${r.refused.medium}/${r.refused.random} | $${(r.reservedCents / 100).toFixed(2)} | $${(r.spentCents / 100).toFixed(2)} | $${(r.refundedCents / 100).toFixed(2)} | ${r.balanced ? 'yes' : 'NO'} | ${t ? `≥ ${t.accuracy * 100} % at ≤ ${t.answers}` : ''} | ${met === undefined ? '' : met ? 'met' : 'MISSED'} |`,
    );
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
