import { ALIASES, canonicalPath } from './aliases';

describe('compat URL aliases', () => {
  it.each([
    ['/api/guild/7/batch', '/api/guilds/7/batches'],
    ['/api/guild/7/batches', '/api/guilds/7/batches'],
    ['/api/guild/7', '/api/guilds/7'],
    ['/api/guild', '/api/guilds'],
    ['/api/guild/7/members', '/api/guilds/7/members'],
    ['/api/guild/7/members/find', '/api/guilds/7/members/find'],
    ['/api/guild/7/members/3', '/api/guilds/7/members/3'],
    ['/api/7/batches', '/api/guilds/7/batches'],
    ['/api/guilds/7/batch', '/api/guilds/7/batches'],
    ['/api/wallet/2', '/api/wallets/2'],
    ['/api/wallet/2/', '/api/wallets/2'],
    ['/api/wallet/2/transactions', '/api/wallets/2/transactions'],
    ['/api/wallet', '/api/wallets'],
    ['/api/batch/1/data', '/api/batches/1/data'],
    ['/batches/1', '/api/batches/1'],
    ['/batches', '/api/batches'],
  ])('%s → %s', (from, to) => {
    expect(canonicalPath(from)).toBe(to);
  });

  it.each([
    '/api/guilds/7/batches',
    '/api/guilds',
    '/api/batches/1',
    '/api/wallets/2',
    '/api/abc/batches', // only an id can stand for the guild
    '/health',
    '/ready',
    '/api/docs',
    '/api/guildsx',
    '/batchesx/1',
  ])('%s is left alone', (path) => {
    expect(canonicalPath(path)).toBeUndefined();
  });

  it('never rewrites to another alias', () => {
    for (const rule of ALIASES) {
      const example = rule.from.replace(/:[a-z]+/g, '1').replace(/\/\*$/, '/1');
      const target = canonicalPath(example)!;
      expect(target).toBeDefined();
      expect(canonicalPath(target)).toBeUndefined();
    }
  });
});
