import { POLICY_NAMES, type PolicyName } from './cache-policies';
import { CACHE_SCHEMA_VERSION, CacheKeys, cacheKey, hashOf, policyOfKey, tagIndexKey } from './cache-keys';

/** Inputs a caller (or an attacker) might pass as a key part. */
const TRICKY = [
  'AAPL',
  'aapl',
  'BRK.B',
  '^GSPC',
  'ES=F',
  'a:b',
  ':',
  '::',
  'a::b',
  '*',
  'a*',
  '**',
  '?',
  'a?b',
  '[',
  ']',
  '[a-z]',
  '[^a]',
  '\\',
  '\\*',
  ' ',
  'a b',
  '  padded  ',
  'Äpfel',
  'ß',
  '日本',
  '😀',
  '../',
  '../../etc/passwd',
  '..',
  '.',
  '/',
  '%',
  '%3A',
  '%2A',
  'a%3Ab',
  '%25',
  '+',
  '#',
  '&',
  '=',
  '\n',
  '\t',
  '\u0000',
  "'",
  '"',
  '(',
  ')',
  '!',
  '~',
  '',
  '0',
  '-1',
  'v1:price:AAPL',
] as const;

const norm = (symbol: string) => symbol.trim().toUpperCase();

/** Every builder with a sample call, the policy it must carry and how many parts follow it. */
const BUILDERS: [string, () => string, PolicyName, number][] = [
  ['price', () => CacheKeys.price('aapl'), 'price', 1],
  ['history (daily)', () => CacheKeys.history('aapl', '1d', '1y'), 'history', 3],
  ['history (weekly)', () => CacheKeys.history('aapl', '1wk', '5y'), 'history', 3],
  ['history (intraday)', () => CacheKeys.history('aapl', '5m', '1d'), 'historyIntraday', 3],
  ['info', () => CacheKeys.info('aapl'), 'info', 1],
  ['tickers', () => CacheKeys.tickers('SP500'), 'tickers', 1],
  ['indicators', () => CacheKeys.indicators('aapl', '1d', 'abc'), 'indicators', 3],
  ['score', () => CacheKeys.score('aapl', 'short'), 'score', 2],
  ['prediction', () => CacheKeys.prediction('m-1.2', 'aapl', '2024-01-02'), 'prediction', 3],
  ['portfolio', () => CacheKeys.portfolio('h4sh'), 'portfolio', 1],
  ['scan', () => CacheKeys.scan('r3q', '2024-01-02'), 'scan', 2],
  ['scanResult', () => CacheKeys.scanResult('aapl', '2024-01-02', 'medium'), 'scan', 4],
  ['signals', () => CacheKeys.signals(), 'signals', 1],
  ['screening', () => CacheKeys.screening('2024-01-02'), 'screening', 1],
  ['http', () => CacheKeys.http('price', '/api/v1/market/prices/AAPL?x=1'), 'price', 2],
  ['nest', () => CacheKeys.nest('some-key'), 'default', 2],
];

/** Builders whose parts are all user input, with the normalization each applies. */
const FREE_BUILDERS: [string, (input: string) => string, (input: string) => string][] = [
  ['price', (s) => CacheKeys.price(s), norm],
  ['info', (s) => CacheKeys.info(s), norm],
  ['tickers', (s) => CacheKeys.tickers(s), (s) => s.toLowerCase()],
  ['portfolio', (s) => CacheKeys.portfolio(s), (s) => s],
  ['screening', (s) => CacheKeys.screening(s), (s) => s],
  ['nest', (s) => CacheKeys.nest(s), (s) => s],
];

function expectNoGlobOrExtraSegments(key: string, segments: number): void {
  expect(key).not.toMatch(/[*?[\]\\\s]/);
  expect(key.split(':')).toHaveLength(segments);
}

describe('CacheKeys', () => {
  it.each(BUILDERS)('%s starts with the schema version and its policy', (_, build, policy, parts) => {
    const key = build();

    expect(key.startsWith(`v${CACHE_SCHEMA_VERSION}:${policy}:`)).toBe(true);
    expect(key.startsWith('v1:')).toBe(true);
    expect(key.split(':')).toHaveLength(2 + parts);
  });

  it('builds the documented shapes', () => {
    expect(CacheKeys.price('AAPL')).toBe('v1:price:AAPL');
    expect(CacheKeys.history('AAPL', '1d', '1y')).toBe('v1:history:AAPL:1d:1y');
    expect(CacheKeys.indicators('AAPL', '1d', 'h')).toBe('v1:indicators:AAPL:1d:h');
    expect(CacheKeys.prediction('m1', 'AAPL', '2024-01-02')).toBe('v1:prediction:m1:AAPL:2024-01-02');
    expect(CacheKeys.scanResult('AAPL', '2024-01-02', 'short')).toBe('v1:scan:result:AAPL:2024-01-02:short');
    expect(CacheKeys.signals()).toBe('v1:signals:active');
    expect(CacheKeys.tickers('SP500')).toBe('v1:tickers:sp500');
  });

  it.each([
    ['price', (s: string) => CacheKeys.price(s)],
    ['info', (s: string) => CacheKeys.info(s)],
    ['history', (s: string) => CacheKeys.history(s, '1d', '1y')],
    ['indicators', (s: string) => CacheKeys.indicators(s, '1d', 'h')],
    ['score', (s: string) => CacheKeys.score(s, 'short')],
    ['prediction', (s: string) => CacheKeys.prediction('m1', s, '2024-01-02')],
    ['scanResult', (s: string) => CacheKeys.scanResult(s, '2024-01-02', 'long')],
  ])('%s upper-cases and trims the symbol', (_, build) => {
    expect(build('  aapl \t')).toBe(build('AAPL'));
    expect(build('brk.b')).toBe(build('BRK.B'));
    expect(build('aapl')).toContain(':AAPL');
    expect(build(' aapl')).not.toContain('%20');
  });

  it('does not trim or upper-case parts that are not symbols', () => {
    expect(CacheKeys.history('AAPL', '1d', ' 1y')).not.toBe(CacheKeys.history('AAPL', '1d', '1y'));
    expect(CacheKeys.portfolio('Abc')).not.toBe(CacheKeys.portfolio('abc'));
  });

  it('routes daily and weekly history to `history` and other intervals to `historyIntraday`', () => {
    expect(policyOfKey(CacheKeys.history('A', '1d', '1y'))).toBe('history');
    expect(policyOfKey(CacheKeys.history('A', '5d', '1y'))).toBe('history');
    expect(policyOfKey(CacheKeys.history('A', '1wk', '1y'))).toBe('history');
    for (const interval of ['1m', '5m', '15m', '60m', '1h']) {
      expect(policyOfKey(CacheKeys.history('A', interval, '1d'))).toBe('historyIntraday');
    }
  });

  describe.each(FREE_BUILDERS)('%s with tricky input', (_, build, normalize) => {
    it('never gives the same key for two inputs that differ after normalization', () => {
      const seen = new Map<string, string>();
      for (const input of TRICKY) {
        const key = build(input);
        const owner = seen.get(key);
        if (owner !== undefined) expect(normalize(owner)).toBe(normalize(input));
        seen.set(key, input);
      }
      const distinctInputs = new Set(TRICKY.map(normalize)).size;
      expect(new Set(TRICKY.map(build)).size).toBe(distinctInputs);
    });

    it('never lets a raw glob character, whitespace or an extra `:` segment through', () => {
      const segments = build('x').split(':').length;
      for (const input of TRICKY) expectNoGlobOrExtraSegments(build(input), segments);
    });
  });

  it('never collides when user input shifts across part boundaries (multi-part builders)', () => {
    const parts = ['A', 'a:b', ':', 'b', '', '%3A', '*', '1d'];
    const seen = new Map<string, string>();
    for (const symbol of parts) {
      for (const interval of parts) {
        for (const setHash of parts) {
          const key = CacheKeys.indicators(symbol, interval, setHash);
          const tuple = JSON.stringify([norm(symbol), interval, setHash]);
          expect(seen.get(key) ?? tuple).toBe(tuple);
          seen.set(key, tuple);
          expectNoGlobOrExtraSegments(key, 5);
        }
      }
    }
    expect(seen.size).toBe(new Set(parts.map(norm)).size * parts.length * parts.length);
  });

  it('keeps one policy key from being built or pattern-matched into another policy through its parts', () => {
    const sneaky = CacheKeys.nest('x:v1:price:AAPL');

    expect(sneaky.startsWith('v1:default:nest:')).toBe(true);
    expect(sneaky).not.toContain(':v1:price:');
    expect(CacheKeys.portfolio('../price')).toBe('v1:portfolio:..%2Fprice');
  });

  it('encodes `*` (which encodeURIComponent leaves alone) and `?`, `[`, `:`, spaces and unicode', () => {
    expect(CacheKeys.nest('a*b')).toBe('v1:default:nest:a%2Ab');
    expect(CacheKeys.nest('a?b')).toBe('v1:default:nest:a%3Fb');
    expect(CacheKeys.nest('[x]')).toBe('v1:default:nest:%5Bx%5D');
    expect(CacheKeys.nest('a:b')).toBe('v1:default:nest:a%3Ab');
    expect(CacheKeys.nest('a b')).toBe('v1:default:nest:a%20b');
    expect(CacheKeys.nest('ä')).toBe('v1:default:nest:%C3%A4');
  });

  it('keeps an HTTP key readable: the route and the canonical query, glob and separator characters encoded', () => {
    expect(CacheKeys.http('history', '/market/history/AAPL', 'interval=1d&period=1y')).toBe('v1:history:http:/market/history/AAPL:interval=1d&period=1y');
    expect(CacheKeys.http('info', '/market/info/AAPL')).toBe('v1:info:http:/market/info/AAPL');

    const odd = CacheKeys.http('history', '/market/history/A?B', 'period=*[x]:y@z');
    expect(odd).toBe('v1:history:http:/market/history/A%3FB:period=%2A%5Bx%5D%3Ay%40z');
    expect(odd).not.toMatch(/[*?[\]@]/);
    expect(CacheKeys.http('history', '/a', 'x=1')).not.toBe(CacheKeys.http('history', '/a', 'x=2'));
    expect(CacheKeys.http('history', '/a')).not.toBe(CacheKeys.http('info', '/a'));
  });

  it('hashes an HTTP key part past 200 characters, so long URLs give a short safe key', () => {
    const key = CacheKeys.http('history', '/market/history/AAPL', `names=${'x'.repeat(300)}`);
    expect(key).toMatch(/^v1:history:http:\/market\/history\/AAPL:#[A-Za-z0-9_-]{22}$/);
  });
});

describe(cacheKey.name, () => {
  it('joins the schema version, the policy and the encoded parts', () => {
    expect(cacheKey('default', 'a', 1, 'b:c')).toBe('v1:default:a:1:b%3Ac');
  });
});

describe(policyOfKey.name, () => {
  it.each(BUILDERS)('gives back the policy of a %s key', (_, build, policy) => {
    expect(policyOfKey(build())).toBe(policy);
  });

  it.each(POLICY_NAMES)('gives back %s for a key built with cacheKey', (policy) => {
    expect(policyOfKey(cacheKey(policy, 'x'))).toBe(policy);
  });

  it('keeps the policy when a part contained `:` (encoded)', () => {
    expect(policyOfKey(CacheKeys.nest('a:b:c'))).toBe('default');
  });

  it.each(['', 'plain', 'two:parts', 'tag:sym%3AAAPL'])('gives `default` for the short foreign key %j', (key) => {
    expect(policyOfKey(key)).toBe('default');
  });

  it('gives `default` for a foreign key with three or more segments', () => {
    expect(policyOfKey('session:user:42')).toBe('default');
  });
});

describe(hashOf.name, () => {
  it('is a 22-character base64url string', () => {
    expect(hashOf({ a: 1 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('is stable: equal values hash the same, in this and in every release (pinned)', () => {
    const holdings = { symbols: ['AAPL', 'MSFT'], weights: [0.5, 0.5] };

    expect(hashOf(holdings)).toBe(hashOf(JSON.parse(JSON.stringify(holdings))));
    // Pinned so a change of algorithm (which would orphan every hashed key in Redis) is deliberate.
    expect(hashOf(holdings)).toBe('N8uyb2VnkSBOzAc3nv0dF8');
    expect(hashOf('GET /api/v1/market/prices/AAPL')).toBe('Z2LZEpZn35MdqmQf5bmzoz');
  });

  it('is order-sensitive: callers must normalize (sort) before hashing', () => {
    expect(hashOf({ a: 1, b: 2 })).not.toBe(hashOf({ b: 2, a: 1 }));
    expect(hashOf(['AAPL', 'MSFT'])).not.toBe(hashOf(['MSFT', 'AAPL']));
  });

  it('tells apart values that differ only in type or nesting', () => {
    const hashes = [hashOf(1), hashOf('1'), hashOf([1]), hashOf({ 0: 1 }), hashOf(null), hashOf([[1]])];

    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe(tagIndexKey.name, () => {
  it('lives under `tag:`, outside any policy key', () => {
    expect(tagIndexKey('sym:AAPL')).toBe('tag:sym%3AAAPL');
    expect(tagIndexKey('x').startsWith('v1:')).toBe(false);
  });

  it('encodes the tag so that distinct tags never share an index and no glob character gets through', () => {
    const keys = TRICKY.map(tagIndexKey);

    expect(new Set(keys).size).toBe(TRICKY.length);
    for (const key of keys) expectNoGlobOrExtraSegments(key, 2);
  });
});
