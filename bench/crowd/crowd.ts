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
  balanced: boolean;
}

/**
 * Drives a backend with API.md §11.5's synthetic crowd: members show up at random, one answer at a
 * time; each claims, answers by their hidden accuracy (the datum's truth is known to the crowd by
 * `parameters.item`), and submits. A member refused with a 403 leaves; the run ends when the batch
 * is finished (or nobody can get work any more, which would be reported as unfinished data).
 */
export async function runCrowd(spec: CrowdRunSpec, backend: CrowdBackend): Promise<CrowdRunReport> {
  const rnd = mulberry32(spec.seed);
  const K = spec.labels.length;
  const crowd = makeCrowd(rnd, spec.members);
  const truth = new Map<string, number>();
  const data = Array.from({ length: spec.data }, (_v, i) => {
    truth.set(`d${i}`, randomInt(rnd, K));
    return { item: `d${i}` };
  });
  const gold = Array.from({ length: spec.goldItems }, (_v, i) => {
    const t = randomInt(rnd, K);
    truth.set(`g${i}`, t);
    return { parameters: { item: `g${i}` }, answer: spec.labels[t] };
  });
  await backend.setup({ quality: spec.quality, rewardCents: spec.rewardCents, data, gold, members: spec.members });

  const active = crowd.map((_m, i) => i);
  const refused: Record<SimulatedMember['kind'], number> = { good: 0, medium: 0, random: 0 };
  let idleInARow = 0;
  while (!(await backend.finished()) && active.length > 0 && idleInARow < active.length * 4) {
    const slot = randomInt(rnd, active.length);
    const member = active[slot];
    const claim = await backend.claim(member);
    if (claim.kind === 'refused') {
      refused[crowd[member].kind]++;
      active.splice(slot, 1);
      continue;
    }
    if (claim.kind === 'none') {
      idleInARow++;
      continue;
    }
    idleInARow = 0;
    const t = truth.get(claim.parameters.item);
    if (t === undefined) throw new Error(`unknown item ${claim.parameters.item}`);
    await backend.submit(member, claim.assignmentId, spec.labels[simulatedAnswer(rnd, crowd[member], t, K)]);
  }

  const results = await backend.results();
  let right = 0;
  let answers = 0;
  let unfinished = 0;
  for (const r of results) {
    answers += r.answers;
    if (r.label === null) unfinished++;
    else if (spec.labels.indexOf(r.label) === truth.get(r.parameters.item)) right++;
  }
  const money = await backend.money();
  return {
    name: spec.name,
    accuracy: right / results.length,
    answersPerDatum: answers / results.length,
    goldAnswersPerDatum: (await backend.goldAnswers()) / results.length,
    unfinished,
    refused,
    ...money,
    balanced: money.spentCents + money.refundedCents === money.reservedCents,
  };
}
