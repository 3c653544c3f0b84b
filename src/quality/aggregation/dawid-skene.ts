import { Aggregate } from './majority';

/**
 * The Dawid–Skene model (Dawid & Skene 1979, "Maximum likelihood estimation of observer
 * error-rates using the EM algorithm"), as API.md §11.5 asks: each member has a confusion matrix
 * θ[k][l] = P(member answers l | the truth is k), the task has class priors π[k], and both are
 * estimated by EM over the task's answers, with gold items taken as known truth.
 *
 * Pure: arrays in, arrays out, no I/O. Items, members and labels are dense indices (0..n-1); the
 * caller maps datum ids, member ids and label strings to them. Two entry points:
 *  - `dawidSkene()`: the full refresh over a task's answers (what the queued job runs every N
 *    answers), O(iterations × answers × classes).
 *  - `datumPosterior()`: one datum's posterior from its own answers and the *current* matrices,
 *    O(answers of that datum × classes): what the submit path calls, so a submit never costs more
 *    as the task's history grows (ARCHITECTURE.md "Quality on the hot path").
 *
 * Smoothing: each confusion row has a Dirichlet prior whose mean is "right with probability
 * `accuracy`, wrong answers spread evenly", worth `strength` pseudo-answers; class priors get a
 * symmetric Dirichlet(1 + `classStrength`). Estimates are posterior means, so a member with two
 * answers gets a matrix close to the prior instead of a degenerate 0/1 one, and a member with no
 * answers at all gets exactly the prior mean (`defaultConfusion()`).
 */

/** A confusion matrix: row = true class, column = given answer; each row sums to 1. */
export type Confusion = number[][];

export interface DsPrior {
  /** prior mean probability that a member's answer is right (1/classes = no opinion) */
  accuracy: number;
  /** how many answers that prior is worth, per row of the matrix */
  strength: number;
  /** pseudo-count added to every class when estimating the class priors */
  classStrength: number;
}

export const DEFAULT_DS_PRIOR: DsPrior = { accuracy: 0.7, strength: 4, classStrength: 1 };

export interface AnswerTable {
  classes: number;
  items: number;
  workers: number;
  /** one entry per answer, three parallel arrays of equal length */
  answerItem: ArrayLike<number>;
  answerWorker: ArrayLike<number>;
  answerLabel: ArrayLike<number>;
  /** per item: the known true label (gold), or -1 when unknown; omitted = no gold */
  truth?: ArrayLike<number>;
}

export interface DsModel {
  /** class priors π, length `classes` */
  priors: number[];
  /** one matrix per worker index */
  confusion: Confusion[];
  /** answers each worker gave in the table the model was fitted on */
  answers: number[];
}

export interface DsResult extends DsModel {
  /** per item: the posterior over classes (one-hot for gold; the priors for items without answers) */
  posteriors: number[][];
  iterations: number;
  converged: boolean;
}

export interface DsOptions {
  prior?: DsPrior;
  maxIterations?: number;
  /** stop when no posterior moves by more than this between iterations */
  tolerance?: number;
  /** a previous model to start from (warm start of a periodic refresh) */
  init?: Pick<DsModel, 'priors' | 'confusion'>;
}

/** The Dirichlet pseudo-counts of one confusion row whose true class is `k`. */
function rowPrior(prior: DsPrior, classes: number, k: number, l: number): number {
  const wrong = classes > 1 ? (1 - prior.accuracy) / (classes - 1) : 0;
  return prior.strength * (k === l ? prior.accuracy : wrong);
}

/** The matrix of a member nobody knows anything about yet: the prior's mean. */
export function defaultConfusion(classes: number, prior: DsPrior = DEFAULT_DS_PRIOR): Confusion {
  const m: Confusion = [];
  for (let k = 0; k < classes; k++) {
    const row: number[] = [];
    for (let l = 0; l < classes; l++) row.push(rowPrior(prior, classes, k, l) / prior.strength);
    m.push(row);
  }
  return m;
}

function validate(t: AnswerTable): void {
  const n = t.answerItem.length;
  if (t.answerWorker.length !== n || t.answerLabel.length !== n) throw new RangeError('answer arrays differ in length');
  if (t.classes < 2) throw new RangeError('at least two classes');
  for (let a = 0; a < n; a++) {
    const i = t.answerItem[a];
    const w = t.answerWorker[a];
    const l = t.answerLabel[a];
    if (!(i >= 0 && i < t.items) || !(w >= 0 && w < t.workers) || !(l >= 0 && l < t.classes)) {
      throw new RangeError(`answer ${a} (item ${i}, worker ${w}, label ${l}) is out of range`);
    }
  }
  if (t.truth) {
    if (t.truth.length !== t.items) throw new RangeError('truth must have one entry per item');
    for (let i = 0; i < t.items; i++) if (t.truth[i] >= t.classes) throw new RangeError(`truth of item ${i} is out of range`);
  }
}

/** Normalises log-weights into probabilities in place (log-sum-exp, so long answer lists don't underflow). */
function softmaxInPlace(v: number[]): number[] {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (let k = 0; k < v.length; k++) {
    v[k] = Math.exp(v[k] - max);
    sum += v[k];
  }
  for (let k = 0; k < v.length; k++) v[k] /= sum;
  return v;
}

/**
 * One datum's posterior over the classes from its own answers, each given with the current
 * matrix of the member who gave it (`defaultConfusion()` for a member without one).
 * A gold datum's posterior is its truth and needs no call.
 */
export function datumPosterior(priors: readonly number[], answers: ReadonlyArray<{ confusion: readonly (readonly number[])[]; label: number }>): number[] {
  const logp = priors.map((p) => Math.log(p));
  for (const { confusion, label } of answers) {
    for (let k = 0; k < logp.length; k++) logp[k] += Math.log(confusion[k][label]);
  }
  return softmaxInPlace(logp);
}

/** The label a posterior picks and its probability; a tie (within rounding) is never confident. */
export function aggregateOf(posterior: readonly number[]): Aggregate {
  let best = 0;
  for (let k = 1; k < posterior.length; k++) if (posterior[k] > posterior[best]) best = k;
  const tie = posterior.some((p, k) => k !== best && Math.abs(p - posterior[best]) < 1e-12);
  return { label: best, confidence: posterior[best], tie };
}

/** How often a member with this matrix is right, under the class priors: Σ π[k] θ[k][k]. */
export function workerAccuracy(priors: readonly number[], confusion: readonly (readonly number[])[]): number {
  let acc = 0;
  for (let k = 0; k < priors.length; k++) acc += priors[k] * confusion[k][k];
  return acc;
}

/** Full EM over a task's answers; see the file comment. */
export function dawidSkene(table: AnswerTable, options: DsOptions = {}): DsResult {
  validate(table);
  const prior = options.prior ?? DEFAULT_DS_PRIOR;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const { classes: K, items: N, workers: M } = table;
  const A = table.answerItem.length;
  const truth = (i: number) => (table.truth ? table.truth[i] : -1);

  // answers of each item, as a CSR index, for the E-step
  const start = new Int32Array(N + 1);
  for (let a = 0; a < A; a++) start[table.answerItem[a] + 1]++;
  for (let i = 0; i < N; i++) start[i + 1] += start[i];
  const byItem = new Int32Array(A);
  const fill = start.slice(0, N);
  for (let a = 0; a < A; a++) byItem[fill[table.answerItem[a]]++] = a;

  const answers = new Array<number>(M).fill(0);
  for (let a = 0; a < A; a++) answers[table.answerWorker[a]]++;

  let priors: number[] = new Array<number>(K).fill(1 / K);
  let confusion: Confusion[] = Array.from({ length: M }, () => defaultConfusion(K, prior));
  const T: number[][] = Array.from({ length: N }, () => new Array<number>(K).fill(1 / K));

  const clamp = (i: number): boolean => {
    const g = truth(i);
    if (g < 0) return false;
    T[i].fill(0);
    T[i][g] = 1;
    return true;
  };

  const eStep = (): number => {
    let moved = 0;
    const logPriors = priors.map((p) => Math.log(p));
    for (let i = 0; i < N; i++) {
      const before = T[i].slice();
      if (!clamp(i)) {
        const v = logPriors.slice();
        for (let j = start[i]; j < start[i + 1]; j++) {
          const a = byItem[j];
          const m = confusion[table.answerWorker[a]];
          const l = table.answerLabel[a];
          for (let k = 0; k < K; k++) v[k] += Math.log(m[k][l]);
        }
        T[i] = softmaxInPlace(v);
      }
      for (let k = 0; k < K; k++) moved = Math.max(moved, Math.abs(T[i][k] - before[k]));
    }
    return moved;
  };

  const mStep = () => {
    // class priors from the items that carry information and are not gold (a requester's gold set
    // need not share the real data's class balance); all answered items when there is no such item
    const counts = new Array<number>(K).fill(prior.classStrength);
    let informative = 0;
    for (let i = 0; i < N; i++) if (start[i + 1] > start[i] && truth(i) < 0) informative++;
    for (let i = 0; i < N; i++) {
      if (start[i + 1] === start[i]) continue;
      if (informative > 0 && truth(i) >= 0) continue;
      for (let k = 0; k < K; k++) counts[k] += T[i][k];
    }
    const total = counts.reduce((s, c) => s + c, 0);
    priors = counts.map((c) => c / total);

    const n: number[][][] = Array.from({ length: M }, () =>
      Array.from({ length: K }, (_r, k) => Array.from({ length: K }, (_c, l) => rowPrior(prior, K, k, l))),
    );
    for (let a = 0; a < A; a++) {
      const t = T[table.answerItem[a]];
      const m = n[table.answerWorker[a]];
      const l = table.answerLabel[a];
      for (let k = 0; k < K; k++) m[k][l] += t[k];
    }
    confusion = n.map((m) =>
      m.map((row) => {
        const s = row.reduce((x, y) => x + y, 0);
        return row.map((x) => x / s);
      }),
    );
  };

  if (options.init) {
    priors = options.init.priors.slice();
    confusion = Array.from({ length: M }, (_v, w) => options.init!.confusion[w]?.map((r) => r.slice()) ?? defaultConfusion(K, prior));
    eStep();
  } else {
    // start from the (soft) majority vote, the usual initialisation
    for (let i = 0; i < N; i++) {
      if (clamp(i) || start[i + 1] === start[i]) continue;
      T[i].fill(0);
      for (let j = start[i]; j < start[i + 1]; j++) T[i][table.answerLabel[byItem[j]]] += 1;
      const s = start[i + 1] - start[i];
      for (let k = 0; k < K; k++) T[i][k] /= s;
    }
  }

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    mStep();
    if (eStep() < tolerance) {
      converged = true;
      break;
    }
  }
  return { priors, confusion, answers, posteriors: T, iterations, converged };
}
