import { jsonDepthExceeds, MAX_JSON_DEPTH } from './http-conventions';

describe('jsonDepthExceeds', () => {
  const nest = (n: number, arr: boolean): object => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = arr ? [v] : { a: v };
    return v as object;
  };
  it('allows what the contract sends and refuses deeper bodies without recursion', () => {
    expect(jsonDepthExceeds({ batch: { data_attributes: [{ parameters_attributes: [{ key: 'k', value: 'v' }] }] } }, MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nest(MAX_JSON_DEPTH, false), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nest(MAX_JSON_DEPTH + 1, true), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(nest(200_000, false), MAX_JSON_DEPTH)).toBe(true);
  });
});
