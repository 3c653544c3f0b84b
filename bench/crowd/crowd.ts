import { makeCrowd, mulberry32, randomInt, simulatedAnswer, SimulatedMember } from '../../src/quality/aggregation/simulated-crowd';
import { CrowdBackend, QualityConfig } from './backend';

export interface CrowdRunSpec {
  name: string;
  seed: number;
  labels: string[];
  data: number;
  goldItems: number;
  members: number;
  rewardCents: number;
  quality: QualityConfig;
}

export interface CrowdRunReport {
  name: string;
  accuracy: number;
  answersPerDatum: number;
  goldAnswersPerDatum: number;
  unfinished: number;
  refused: Record<SimulatedMember['kind'], number>;
  reservedCents: number;
  goldCents: number;
  spentCents: number;
  refundedCents: number;
  /** data that stopped below `overlap.max` (the aggregate reached the confidence), and how many of them are right */
  confident: { data: number; right: number };
  /** data that took `overlap.max` answers, and how many of them are right */
  atMax: { data: number; right: number };
  /** answers the backend took (real and gold) */
  submitted: number;
  /** submits refused because the task was already done with the datum (410) */
  late: number;
  balanced: boolean;
}

export interface RunOptions {
  /** claims in flight at once (distinct members); 1 = one answer at a time, as the model runs */
  concurrency?: number;
  /** with concurrency > 1: pause after a 204 before that lane tries again (ms) */
  idlePauseMs?: number;
  /** with concurrency > 1: give up when no lane got work for this long (ms) */
  maxIdleMs?: number;
  /** called about every `progressEvery` answers */
  onProgress?: (answers: number) => void;
  progressEvery?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drives a backend with API.md §11.5's synthetic crowd: members show up at random (seeded), one
 * answer at a time per member; each claims, answers by their hidden accuracy (the datum's truth is
 * known to the crowd by `parameters.item`, so gold data served under fresh ids are recognised by
 * their parameters too), and submits. A member refused with a 403 leaves; the run ends when the
 * batch is finished (or nobody can get work any more, which would be reported as unfinished data).
 *
 * `concurrency` lanes run at once, each with a member not busy in another lane; with one lane the
 * draws are exactly those of the one-at-a-time loop (the model bench's figures do not move).
 * Answers per datum, the aggregate and the money come from the backend (for HTTP: the API's
 * Result and Batch objects); gold answers are counted here, by parameters.
 */
export async function runCrowd(spec: CrowdRunSpec, backend: CrowdBackend, options: RunOptions = {}): Promise<CrowdRunReport> {
  const concurrency = options.concurrency ?? 1;
  const rnd = mulberry32(spec.seed);
  const K = spec.labels.length;
  const crowd = makeCrowd(rnd, spec.members);
  const truth = new Map<string, number>();
  const data = Array.from({ length: spec.data }, (_v, i) => {
    truth.set(`d${i}`, randomInt(rnd, K));
    return { item: `d${i}` };
  });
  const goldItems = new Set<string>();
  const gold = Array.from({ length: spec.goldItems }, (_v, i) => {
    const t = randomInt(rnd, K);
    truth.set(`g${i}`, t);
    goldItems.add(`g${i}`);
    return { parameters: { item: `g${i}` }, answer: spec.labels[t] };
  });
  await backend.setup({ quality: spec.quality, rewardCents: spec.rewardCents, data, gold, members: spec.members });

  const active = crowd.map((_m, i) => i);
  const busy = new Set<number>();
  const refused: Record<SimulatedMember['kind'], number> = { good: 0, medium: 0, random: 0 };
  let idleInARow = 0;
  let lastWork = Date.now();
  let goldAnswers = 0;
  let submitted = 0;
  let late = 0;
  let stop = false;
  const giveUp = () => (concurrency === 1 ? idleInARow >= active.length * 4 : Date.now() - lastWork > (options.maxIdleMs ?? 60_000));

  const lane = async () => {
    while (!stop) {
      if (active.length === 0 || giveUp() || (await backend.finished())) {
        stop = true;
        break;
      }
      const free = busy.size === 0 ? active : active.filter((m) => !busy.has(m));
      if (free.length === 0) {
        await sleep(5);
        continue;
      }
      const member = free[randomInt(rnd, free.length)];
      busy.add(member);
      try {
        const claim = await backend.claim(member);
        if (claim.kind === 'refused') {
          refused[crowd[member].kind]++;
          active.splice(active.indexOf(member), 1);
          continue;
        }
        if (claim.kind === 'none') {
          idleInARow++;
          if (concurrency > 1) await sleep(options.idlePauseMs ?? 50);
          continue;
        }
        idleInARow = 0;
        lastWork = Date.now();
        const t = truth.get(claim.parameters.item);
        if (t === undefined) throw new Error(`unknown item ${claim.parameters.item}`);
        const counted = await backend.submit(member, claim.assignmentId, spec.labels[simulatedAnswer(rnd, crowd[member], t, K)]);
        if (!counted) late++;
        else {
          submitted++;
          if (goldItems.has(claim.parameters.item)) goldAnswers++;
          if (options.onProgress && submitted % (options.progressEvery ?? 1000) === 0) options.onProgress(submitted);
        }
      } finally {
        busy.delete(member);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));

  const results = await backend.results();
  let right = 0;
  let answers = 0;
  let unfinished = 0;
  const confident = { data: 0, right: 0 };
  const atMax = { data: 0, right: 0 };
  for (const r of results) {
    answers += r.answers;
    if (r.label === null) {
      unfinished++;
      continue;
    }
    const ok = spec.labels.indexOf(r.label) === truth.get(r.parameters.item);
    if (ok) right++;
    const bucket = r.answers >= spec.quality.overlap.max ? atMax : confident;
    bucket.data++;
    if (ok) bucket.right++;
  }
  const money = await backend.money();
  return {
    name: spec.name,
    accuracy: right / results.length,
    answersPerDatum: answers / results.length,
    goldAnswersPerDatum: goldAnswers / results.length,
    unfinished,
    refused,
    confident,
    atMax,
    submitted,
    late,
    ...money,
    balanced: money.spentCents + money.refundedCents === money.reservedCents,
  };
}
