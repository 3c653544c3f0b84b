import { cellOf, headerOf, parameterCells, parameterColumns } from './csv-columns';

describe('CSV columns of a results export (API.md §13.2)', () => {
  it('input parameters first, other keys sorted, nested as dotted paths, fixed-column collisions prefixed', () => {
    const columns = parameterColumns(
      ['url', 'id_hint'],
      [['zeta'], ['url'], ['answer'], ['meta', 'b'], ['meta', 'a', 'x'], ['id_hint'], ['alpha'], ['task_id']],
    );
    expect(headerOf(columns)).toEqual([
      'url',
      'id_hint',
      'alpha',
      'param.answer',
      'meta.a.x',
      'meta.b',
      'param.task_id',
      'zeta',
      'task_id',
      'answer',
      'confidence',
      'answers_count',
    ]);
  });

  it('renders cells: strings as they are, numbers and booleans as JSON, arrays as JSON text, absent and null empty', () => {
    const columns = parameterColumns(['url'], [['n'], ['ok'], ['tags'], ['meta', 'a'], ['none']]);
    expect(headerOf(columns).slice(0, -4)).toEqual(['url', 'meta.a', 'n', 'none', 'ok', 'tags']);
    expect(parameterCells(columns, { url: 'a,"b"', n: 1.5, ok: false, tags: ['x', 1], meta: { a: 'deep' }, none: null })).toEqual([
      'a,"b"',
      'deep',
      '1.5',
      '',
      'false',
      '["x",1]',
    ]);
    expect(parameterCells(columns, {})).toEqual(['', '', '', '', '', '']);
    expect(cellOf({ k: 1 })).toBe('{"k":1}');
  });

  it('a flat key and a nested path that print the same share one column', () => {
    const columns = parameterColumns([], [['a.b'], ['a', 'b']]);
    expect(headerOf(columns).slice(0, -4)).toEqual(['a.b']);
    expect(parameterCells(columns, { 'a.b': 'flat' })).toEqual(['flat']);
    expect(parameterCells(columns, { a: { b: 'nested' } })).toEqual(['nested']);
  });
});
