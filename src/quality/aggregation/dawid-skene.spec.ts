import { aggregateOf, AnswerTable, datumPosterior, dawidSkene, defaultConfusion, DsPrior, workerAccuracy } from './dawid-skene';
import { majority } from './majority';
import { answerFromConfusion, mulberry32, randomInt, uniform } from './simulated-crowd';

/** Builds an AnswerTable from [item, worker, label] triples. */
function table(classes: number, items: number, workers: number, triples: Array<[number, number, number]>, truth?: number[]): AnswerTable {
  return {
    classes,
    items,
    workers,
    answerItem: triples.map((t) => t[0]),
    answerWorker: triples.map((t) => t[1]),
    answerLabel: triples.map((t) => t[2]),
    truth,
  };
}

describe('Dawid–Skene', () => {
  it('one EM step on a 2-class case matches the hand computation', () => {
    // Two items, two workers. Item 0: both say 0. Item 1: worker 0 says 1, worker 1 says 0.
    // Prior: accuracy 0.5 × strength 2 = one pseudo-answer per cell; class pseudo-count 1.
    const prior: DsPrior = { accuracy: 0.5, strength: 2, classStrength: 1 };
    const r = dawidSkene(
      table(2, 2, 2, [
        [0, 0, 0],
        [0, 1, 0],
        [1, 0, 1],
        [1, 1, 0],
      ]),
      { prior, maxIterations: 1 },
    );
    // Start (soft majority): T0 = [1, 0], T1 = [1/2, 1/2].
    // M-step: π ∝ [1 + 1 + 1/2, 1 + 0 + 1/2] = [2.5, 1.5] → [0.625, 0.375].
    expect(r.priors[0]).toBeCloseTo(0.625, 12);
    expect(r.priors[1]).toBeCloseTo(0.375, 12);
    // worker 0, row 0: [1 + 1, 1 + 1/2] → [4/7, 3/7]; row 1: [1 + 0, 1 + 1/2] → [2/5, 3/5]
    expect(r.confusion[0][0][0]).toBeCloseTo(4 / 7, 12);
    expect(r.confusion[0][0][1]).toBeCloseTo(3 / 7, 12);
    expect(r.confusion[0][1][0]).toBeCloseTo(2 / 5, 12);
    expect(r.confusion[0][1][1]).toBeCloseTo(3 / 5, 12);
    // worker 1, row 0: [1 + 1 + 1/2, 1] → [5/7, 2/7]; row 1: [1 + 1/2, 1] → [3/5, 2/5]
    expect(r.confusion[1][0][0]).toBeCloseTo(5 / 7, 12);
    expect(r.confusion[1][1][0]).toBeCloseTo(3 / 5, 12);
    // E-step, item 0: class 0 ∝ 0.625 · 4/7 · 5/7, class 1 ∝ 0.375 · 2/5 · 3/5
    const a0 = 0.625 * (4 / 7) * (5 / 7);
    const a1 = 0.375 * (2 / 5) * (3 / 5);
    expect(r.posteriors[0][0]).toBeCloseTo(a0 / (a0 + a1), 12);
    // item 1: class 0 ∝ 0.625 · 3/7 · 5/7, class 1 ∝ 0.375 · 3/5 · 3/5
    const b0 = 0.625 * (3 / 7) * (5 / 7);
    const b1 = 0.375 * (3 / 5) * (3 / 5);
    expect(r.posteriors[1][0]).toBeCloseTo(b0 / (b0 + b1), 12);
    expect(r.posteriors[1][0]).toBeCloseTo(0.5863, 4);
    expect(r.iterations).toBe(1);
  });

  it('takes gold as known truth: the posterior is clamped and the matrices learn from it', () => {
    // Item 0 is gold with truth 1, and all three workers answer 0 on it.
    const answers: Array<[number, number, number]> = [
      [0, 0, 0],
      [0, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
      [1, 1, 1],
    ];
    const withGold = dawidSkene(table(2, 2, 3, answers, [1, -1]));
    const without = dawidSkene(table(2, 2, 3, answers));
    expect(withGold.posteriors[0]).toEqual([0, 1]);
    expect(without.posteriors[0][0]).toBeGreaterThan(0.9);
    // the unanimous wrong answer on gold counts against every worker: "says 0 when the truth is 1"
    // rises above the prior's 0.3 and above what the same answers give without gold
    for (const w of [0, 1, 2]) {
      expect(withGold.confusion[w][1][0]).toBeGreaterThan(0.3);
      expect(withGold.confusion[w][1][0]).toBeGreaterThan(without.confusion[w][1][0]);
    }
  });

  it('gives a member without answers the prior mean, and smooths a member with one answer', () => {
    const prior: DsPrior = { accuracy: 0.7, strength: 4, classStrength: 1 };
    const r = dawidSkene(
      table(
        4,
        3,
        2,
        [
          [0, 0, 2],
          [1, 0, 2],
          [2, 0, 3],
        ],
        [2, -1, -1],
      ),
      { prior },
    );
    r.confusion[1].forEach((row, k) => row.forEach((x, l) => expect(x).toBeCloseTo(defaultConfusion(4, prior)[k][l], 12)));
    expect(defaultConfusion(4, prior)[0]).toEqual([0.7, 0.1, 0.1, 0.1].map((x) => expect.closeTo(x, 12)));
    expect(r.answers).toEqual([3, 0]);
    for (const row of r.confusion[0]) {
      expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      for (const x of row) expect(x).toBeGreaterThan(0);
    }
  });

  it("computes one datum's posterior from its answers and the current matrices (by hand)", () => {
    const m1 = [
      [0.8, 0.2],
      [0.3, 0.7],
    ];
    const m2 = [
      [0.9, 0.1],
      [0.2, 0.8],
    ];
    // one answer "0" from m1: 0.5·0.8 / (0.5·0.8 + 0.5·0.3) = 0.4 / 0.55
    expect(datumPosterior([0.5, 0.5], [{ confusion: m1, label: 0 }])[0]).toBeCloseTo(0.4 / 0.55, 12);
    // then "1" from m2: class 0 ∝ 0.5·0.8·0.1 = 0.04, class 1 ∝ 0.5·0.3·0.8 = 0.12 → [0.25, 0.75]
    const p = datumPosterior(
      [0.5, 0.5],
      [
        { confusion: m1, label: 0 },
        { confusion: m2, label: 1 },
      ],
    );
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(aggregateOf(p)).toEqual({ label: 1, confidence: expect.closeTo(0.75, 12), tie: false });
    // no answers: the priors; equal posteriors are a tie
    expect(aggregateOf(datumPosterior([0.5, 0.5], []))).toEqual({ label: 0, confidence: 0.5, tie: true });
    // hundreds of answers do not underflow
    const many = Array.from({ length: 600 }, (_v, i) => ({ confusion: m1, label: i % 3 === 0 ? 1 : 0 }));
    const q = datumPosterior([0.5, 0.5], many);
    expect(q.every(Number.isFinite)).toBe(true);
    expect(q[0]).toBeGreaterThan(0.999);
  });

  it('agrees with the full refresh: the submit path and the job compute the same posterior', () => {
    const rnd = mulberry32(7);
    const triples: Array<[number, number, number]> = [];
    for (let i = 0; i < 200; i++) for (let j = 0; j < 3; j++) triples.push([i, randomInt(rnd, 10), randomInt(rnd, 3)]);
    const r = dawidSkene(table(3, 200, 10, triples));
    for (const i of [0, 57, 199]) {
      const own = triples.filter((t) => t[0] === i).map(([, w, l]) => ({ confusion: r.confusion[w], label: l }));
      const p = datumPosterior(r.priors, own);
      // the returned posteriors come from the E-step after the last M-step, with these very parameters
      p.forEach((x, k) => expect(x).toBeCloseTo(r.posteriors[i][k], 9));
    }
  });

  it('recovers known worker confusion matrices and class priors from a simulated crowd', () => {
    const rnd = mulberry32(20241125);
    const K = 3;
    const W = 25;
    const N = 6000;
    const truePriors = [0.5, 0.3, 0.2];
    // each worker: right with U(0.55, 0.92) per true class, the rest split unevenly over the others
    const trueConfusion = Array.from({ length: W }, () =>
      Array.from({ length: K }, (_r, k) => {
        const right = uniform(rnd, 0.55, 0.92);
        const split = uniform(rnd, 0.1, 0.9);
        const others = [0, 1, 2].filter((l) => l !== k);
        const row = [0, 0, 0];
        row[k] = right;
        row[others[0]] = (1 - right) * split;
        row[others[1]] = (1 - right) * (1 - split);
        return row;
      }),
    );
    const truth: number[] = [];
    const triples: Array<[number, number, number]> = [];
    for (let i = 0; i < N; i++) {
      const u = rnd();
      const t = u < truePriors[0] ? 0 : u < truePriors[0] + truePriors[1] ? 1 : 2;
      truth.push(t);
      const chosen = new Set<number>();
      while (chosen.size < 5) chosen.add(randomInt(rnd, W));
      for (const w of chosen) triples.push([i, w, answerFromConfusion(rnd, trueConfusion[w], t)]);
    }
    const r = dawidSkene(table(K, N, W, triples));
    expect(r.converged).toBe(true);
    r.priors.forEach((p, k) => expect(Math.abs(p - truePriors[k])).toBeLessThan(0.02));

    let worst = 0;
    let sum = 0;
    const accErr: number[] = [];
    for (let w = 0; w < W; w++) {
      for (let k = 0; k < K; k++) {
        for (let l = 0; l < K; l++) {
          const e = Math.abs(r.confusion[w][k][l] - trueConfusion[w][k][l]);
          worst = Math.max(worst, e);
          sum += e;
        }
      }
      // the skill figure (§11.4) built on it is close too
      accErr.push(Math.abs(workerAccuracy(r.priors, r.confusion[w]) - workerAccuracy(truePriors, trueConfusion[w])));
    }
    // seed 20241125 gives worst 0.087, mean 0.015, skill worst 0.023; a wrong M- or E-step is far off
    expect(worst).toBeLessThan(0.12);
    expect(sum / (W * K * K)).toBeLessThan(0.02);
    expect(Math.max(...accErr)).toBeLessThan(0.04);

    // and the aggregate beats a 5-answer majority vote on the same answers
    let dsRight = 0;
    let mvRight = 0;
    const byItem: number[][] = Array.from({ length: N }, () => []);
    for (const [i, , l] of triples) byItem[i].push(l);
    for (let i = 0; i < N; i++) {
      if (aggregateOf(r.posteriors[i]).label === truth[i]) dsRight++;
      if (majority(byItem[i], K).label === truth[i]) mvRight++;
    }
    expect(dsRight).toBeGreaterThan(mvRight);
  });

  it('warm-starts from a previous fit (the periodic refresh) and lands on the same estimates', () => {
    const rnd = mulberry32(99);
    const triples: Array<[number, number, number]> = [];
    for (let i = 0; i < 300; i++) {
      const truth = randomInt(rnd, 2);
      for (let j = 0; j < 3; j++) triples.push([i, randomInt(rnd, 8), rnd() < 0.8 ? truth : 1 - truth]);
    }
    const t = table(2, 300, 8, triples);
    const cold = dawidSkene(t, { tolerance: 1e-9, maxIterations: 500 });
    expect(cold.converged).toBe(true);
    const warm = dawidSkene(t, { init: cold, tolerance: 1e-9, maxIterations: 500 });
    expect(warm.iterations).toBeLessThan(cold.iterations);
    warm.priors.forEach((p, k) => expect(p).toBeCloseTo(cold.priors[k], 6));
    warm.confusion[3].forEach((row, k) => row.forEach((x, l) => expect(x).toBeCloseTo(cold.confusion[3][k][l], 6)));
  });

  it('refuses answers out of range', () => {
    expect(() => dawidSkene(table(2, 1, 1, [[0, 0, 2]]))).toThrow(RangeError);
    expect(() => dawidSkene(table(2, 1, 1, [[1, 0, 0]]))).toThrow(RangeError);
    expect(() => dawidSkene(table(2, 1, 1, [[0, 0, 0]], [5]))).toThrow(RangeError);
  });
});
