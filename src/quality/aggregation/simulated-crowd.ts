/**
 * A seeded synthetic crowd, for the model's unit tests and for bench/crowd. Pure and
 * deterministic: the same seed gives the same members and the same answers on every machine.
 */

/**
 * mulberry32: a 32-bit seeded PRNG (public domain, Tommy Ettinger). Small and good enough for a
 * simulation; `Math.random` cannot be seeded, and the one seedable generator in the tree
 * (fast-check's pure-rand) is a transitive devDependency with an immutable API that would make
 * this file harder to read.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export const uniform = (rnd: Random, lo: number, hi: number) => lo + (hi - lo) * rnd();
export const randomInt = (rnd: Random, n: number) => Math.floor(rnd() * n);

/** A member who answers right with probability `accuracy`, otherwise one of the other labels at random. */
export interface SimulatedMember {
  kind: 'good' | 'medium' | 'random';
  /** null for a member who answers every item uniformly at random */
  accuracy: number | null;
}

/**
 * API.md §11.5's crowd: 60 % right with probability U(0.75, 0.95), 25 % U(0.55, 0.75), 15 %
 * answering at random. Counts are rounded, so 200 members are exactly 120 / 50 / 30.
 */
export function makeCrowd(rnd: Random, size: number, mix = { good: 0.6, medium: 0.25 }): SimulatedMember[] {
  const good = Math.round(size * mix.good);
  const medium = Math.round(size * mix.medium);
  const members: SimulatedMember[] = [];
  for (let i = 0; i < size; i++) {
    if (i < good) members.push({ kind: 'good', accuracy: uniform(rnd, 0.75, 0.95) });
    else if (i < good + medium) members.push({ kind: 'medium', accuracy: uniform(rnd, 0.55, 0.75) });
    else members.push({ kind: 'random', accuracy: null });
  }
  // shuffled, so "the first members to show up" are not all good ones
  for (let i = members.length - 1; i > 0; i--) {
    const j = randomInt(rnd, i + 1);
    [members[i], members[j]] = [members[j], members[i]];
  }
  return members;
}

export function simulatedAnswer(rnd: Random, member: SimulatedMember, truth: number, classes: number): number {
  if (member.accuracy === null) return randomInt(rnd, classes);
  if (rnd() < member.accuracy) return truth;
  const other = randomInt(rnd, classes - 1);
  return other >= truth ? other + 1 : other;
}

/** The member's answer drawn from a full confusion matrix row (for tests that recover matrices). */
export function answerFromConfusion(rnd: Random, confusion: readonly (readonly number[])[], truth: number): number {
  const u = rnd();
  let acc = 0;
  const row = confusion[truth];
  for (let l = 0; l < row.length; l++) {
    acc += row[l];
    if (u < acc) return l;
  }
  return row.length - 1;
}
