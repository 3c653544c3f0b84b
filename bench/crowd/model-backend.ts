import {
  aggregateOf,
  datumPosterior,
  dawidSkene,
  defaultConfusion,
  DsModel,
  DsPrior,
  DEFAULT_DS_PRIOR,
  workerAccuracy,
} from '../../src/quality/aggregation/dawid-skene';
import { Aggregate, majority } from '../../src/quality/aggregation/majority';
import { Random } from '../../src/quality/aggregation/simulated-crowd';
import { goldClaim, minQualityRefusal, qualification, skill } from '../../src/quality/rules/access';
import { batchCost, rateToPpm, unusedGoldCents, unusedReservationCents } from '../../src/quality/rules/cost';
import { doneWithDatum } from '../../src/quality/rules/overlap';
import { ClaimOutcome, CrowdBackend, CrowdSetup, DatumOutcome, MoneyOutcome } from './backend';

export interface ModelBackendOptions {
  /** refit Dawid–Skene after this many answers (gold included), as the queued job would */
  refreshEvery: number;
  prior: DsPrior;
  rnd: Random;
}

interface Datum {
  parameters: Record<string, string>;
  answers: Array<{ member: number; label: number }>;
  members: Set<number>;
  open: number;
  done: boolean;
  result: Aggregate | null;
}

interface MemberState {
  goldSeen: Set<number>;
  goldAnswered: number;
  goldRight: number;
  /** the first `qualification.gold` gold answers, which decide qualification for good */
  qualAnswered: number;
  qualRight: number;
}

type Pending = { member: number; kind: 'datum' | 'gold'; index: number };

/**
 * The server's quality rules in memory, one answer at a time: the same pure functions the
 * integration will call (src/quality/rules, src/quality/aggregation), none of the HTTP or SQL.
 * Claims are served oldest datum first, a member never gets one datum (or one gold item) twice,
 * skills are refit every `refreshEvery` answers and a datum's posterior uses the current fit.
 */
export class ModelBackend implements CrowdBackend {
  private s!: CrowdSetup;
  private data: Datum[] = [];
  private members: MemberState[] = [];
  private pending = new Map<string, Pending>();
  private nextId = 1;
  private goldLog: Array<{ member: number; gold: number; label: number }> = [];
  private model: DsModel | null = null;
  private sinceRefresh = 0;
  private firstOpen = 0;
  private doneCount = 0;
  private spentCents = 0;
  private goldSpentCents = 0;
  private refundedCents = 0;
  private reserved = { answersCents: 0, goldCents: 0, costCents: 0 };
  private K = 0;

  constructor(private readonly o: ModelBackendOptions) {}

  async setup(s: CrowdSetup): Promise<void> {
    this.s = s;
    this.K = s.quality.labels.length;
    this.data = s.data.map((parameters) => ({ parameters, answers: [], members: new Set(), open: s.quality.overlap.min, done: false, result: null }));
    this.members = Array.from({ length: s.members }, () => ({ goldSeen: new Set(), goldAnswered: 0, goldRight: 0, qualAnswered: 0, qualRight: 0 }));
    this.reserved = batchCost(s.data.length, [{ rewardCents: s.rewardCents, overlapMax: s.quality.overlap.max, goldRatePpm: rateToPpm(s.quality.gold_rate) }]);
  }

  private label(answer: string): number {
    const k = this.s.quality.labels.indexOf(answer);
    if (k < 0) throw new Error(`422: ${answer} is not one of labels`);
    return k;
  }

  private qualificationOf(m: MemberState) {
    const q = this.s.quality.qualification;
    return qualification(
      { gold: q.gold, minAccuracy: q.min_accuracy },
      { goldAnswered: m.qualAnswered, goldRight: m.qualRight, unseenGold: this.s.gold.length - m.goldSeen.size },
    );
  }

  private skillOf(member: number) {
    const m = this.members[member];
    const fitted =
      this.s.quality.aggregation === 'dawid_skene' && this.model && this.model.answers[member] > 0
        ? { accuracy: workerAccuracy(this.model.priors, this.model.confusion[member]), answers: this.model.answers[member] }
        : null;
    return skill({ goldAnswered: m.goldAnswered, goldRight: m.goldRight, model: fitted });
  }

  async claim(member: number): Promise<ClaimOutcome> {
    const m = this.members[member];
    const qual = this.qualificationOf(m);
    if (qual.state === 'failed') return { kind: 'refused', message: qual.message };
    const refusal = minQualityRefusal(this.s.quality.min_quality, this.skillOf(member));
    if (refusal) return { kind: 'refused', message: refusal };

    // §11.6: with no real work open a claim is a 204, gold or not
    const datum = this.oldestOpenFor(member);
    if (datum < 0) return { kind: 'none' };

    const unseen = this.s.gold.length - m.goldSeen.size;
    const goldAffordable = this.goldSpentCents + this.s.rewardCents <= this.reserved.goldCents;
    if (goldAffordable && goldClaim(rateToPpm(this.s.quality.gold_rate), qual, unseen, this.o.rnd())) {
      let g = Math.floor(this.o.rnd() * this.s.gold.length);
      while (m.goldSeen.has(g)) g = (g + 1) % this.s.gold.length;
      m.goldSeen.add(g);
      return this.assign({ member, kind: 'gold', index: g }, this.s.gold[g].parameters);
    }
    if (qual.state === 'testing') return { kind: 'none' }; // qualification gold could not be afforded
    const d = this.data[datum];
    d.open--;
    d.members.add(member);
    return this.assign({ member, kind: 'datum', index: datum }, d.parameters);
  }

  private assign(p: Pending, parameters: Record<string, string>): ClaimOutcome {
    const id = String(this.nextId++);
    this.pending.set(id, p);
    return { kind: 'work', assignmentId: id, parameters };
  }

  /** Oldest datum with an open slot this member has not had. */
  private oldestOpenFor(member: number): number {
    while (this.firstOpen < this.data.length && this.data[this.firstOpen].done) this.firstOpen++;
    for (let i = this.firstOpen; i < this.data.length; i++) {
      const d = this.data[i];
      if (!d.done && d.open > 0 && !d.members.has(member)) return i;
    }
    return -1;
  }

  async submit(member: number, assignmentId: string, answer: string): Promise<boolean> {
    const p = this.pending.get(assignmentId);
    if (!p || p.member !== member) throw new Error('404: no such assignment');
    this.pending.delete(assignmentId);
    const label = this.label(answer);
    this.spentCents += this.s.rewardCents;
    if (p.kind === 'gold') {
      this.goldSpentCents += this.s.rewardCents;
      const m = this.members[member];
      const right = this.label(this.s.gold[p.index].answer) === label;
      if (this.qualificationOf(m).state === 'testing') {
        m.qualAnswered++;
        if (right) m.qualRight++;
      }
      m.goldAnswered++;
      if (right) m.goldRight++;
      this.goldLog.push({ member, gold: p.index, label });
    } else {
      const d = this.data[p.index];
      d.answers.push({ member, label });
      const aggregate = this.aggregate(d);
      if (doneWithDatum(this.s.quality.overlap, d.answers.length, aggregate)) {
        d.done = true;
        d.result = aggregate;
        this.doneCount++;
        this.refundedCents += unusedReservationCents(this.s.quality.overlap.max, d.answers.length, this.s.rewardCents);
        if (this.doneCount === this.data.length) this.refundedCents += unusedGoldCents(this.reserved.goldCents, this.goldSpentCents);
      } else {
        d.open++;
      }
    }
    if (++this.sinceRefresh >= this.o.refreshEvery && this.s.quality.aggregation === 'dawid_skene') this.refresh();
    return true;
  }

  /** The submit path: O(answers of this datum), with the matrices of the last refresh. */
  private aggregate(d: Datum): Aggregate {
    if (this.s.quality.aggregation === 'majority')
      return majority(
        d.answers.map((a) => a.label),
        this.K,
      );
    const fallback = defaultConfusion(this.K, this.o.prior);
    const priors = this.model?.priors ?? new Array<number>(this.K).fill(1 / this.K);
    return aggregateOf(
      datumPosterior(
        priors,
        d.answers.map((a) => ({
          confusion: this.model && this.model.answers[a.member] > 0 ? this.model.confusion[a.member] : fallback,
          label: a.label,
        })),
      ),
    );
  }

  /** The queued job: Dawid–Skene over every answer of the task so far, gold as truth, warm-started. */
  private refresh(): void {
    this.sinceRefresh = 0;
    const items: number[] = [];
    const workers: number[] = [];
    const labels: number[] = [];
    this.data.forEach((d, i) =>
      d.answers.forEach((a) => {
        items.push(i);
        workers.push(a.member);
        labels.push(a.label);
      }),
    );
    const N = this.data.length;
    for (const g of this.goldLog) {
      items.push(N + g.gold);
      workers.push(g.member);
      labels.push(g.label);
    }
    const truth = new Array<number>(N + this.s.gold.length).fill(-1);
    this.s.gold.forEach((g, i) => (truth[N + i] = this.label(g.answer)));
    const fit = dawidSkene(
      { classes: this.K, items: N + this.s.gold.length, workers: this.s.members, answerItem: items, answerWorker: workers, answerLabel: labels, truth },
      { prior: this.o.prior, init: this.model ?? undefined, maxIterations: 50, tolerance: 1e-4 },
    );
    this.model = { priors: fit.priors, confusion: fit.confusion, answers: fit.answers };
  }

  async finished(): Promise<boolean> {
    return this.doneCount === this.data.length;
  }

  async results(): Promise<DatumOutcome[]> {
    return this.data.map((d) => ({
      parameters: d.parameters,
      label: d.result ? this.s.quality.labels[d.result.label] : null,
      confidence: d.result?.confidence ?? null,
      answers: d.answers.length,
    }));
  }

  async money(): Promise<MoneyOutcome> {
    return { reservedCents: this.reserved.costCents, goldCents: this.reserved.goldCents, spentCents: this.spentCents, refundedCents: this.refundedCents };
  }
}

export { DEFAULT_DS_PRIOR };
