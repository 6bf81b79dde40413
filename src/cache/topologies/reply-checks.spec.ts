import { isBulkArray, isBulkOrNull, isInteger, isParserError, isPong, isScanPage, isSetReply } from './reply-checks';

describe(isParserError.name, () => {
  it.each([
    ['an unknown RESP type (node-redis decoder)', new Error('Unknown RESP type 57 "9"')],
    ['a reply with no command waiting (TypeError inside the decoder)', new TypeError("Cannot read properties of undefined (reading 'resolve')")],
    ['a RangeError while decoding', new RangeError('Invalid array length')],
    ["the Sentinel client wrapping its master client's parser error", new Error('Master Client (127.0.0.1:6379): Unknown RESP type', { cause: new Error('Unknown RESP type 36 "$"') })],
  ])('is true for %s', (_, error) => {
    expect(isParserError(error)).toBe(true);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
    ['a socket closed unexpectedly', Object.assign(new Error('Socket closed unexpectedly'), { name: 'SocketClosedUnexpectedlyError' })],
    ['a Redis error reply', Object.assign(new Error('WRONGPASS invalid username-password pair'), { name: 'ErrorReply' })],
    ['a wrapped connection error', new Error('Master Client (127.0.0.1:6379): connect ECONNREFUSED', { cause: new Error('connect ECONNREFUSED') })],
    ['not an Error at all', 'Unknown RESP type'],
  ])('is false for %s', (_, error) => {
    expect(isParserError(error)).toBe(false);
  });
});

describe('reply shapes', () => {
  it('GET: bytes or null, never a status or a number', () => {
    expect([Buffer.from('x'), null].map(isBulkOrNull)).toEqual([true, true]);
    expect(['OK', 1, [Buffer.from('x')]].map(isBulkOrNull)).toEqual([false, false, false]);
  });

  it('MGET: an array of exactly as many bytes-or-null as keys asked', () => {
    const check = isBulkArray(2);

    expect(check([Buffer.from('a'), null])).toBe(true);
    expect(check([Buffer.from('a')])).toBe(false);
    expect(check([Buffer.from('a'), 'OK'])).toBe(false);
    expect(check(Buffer.from('a'))).toBe(false);
  });

  it('SET: OK or null (NX found the key), never bytes', () => {
    expect(['OK', null].map(isSetReply)).toEqual([true, true]);
    expect([Buffer.from('OK'), 'PONG', 0].map(isSetReply)).toEqual([false, false, false]);
  });

  it('PTTL, EXISTS, UNLINK: integers only', () => {
    expect([0, -2, 1500].map(isInteger)).toEqual([true, true, true]);
    expect([Buffer.from('1'), '1', 1.5, null].map(isInteger)).toEqual([false, false, false, false]);
  });

  it('PING: PONG only', () => {
    expect([isPong('PONG'), isPong('OK'), isPong(Buffer.from('PONG'))]).toEqual([true, false, false]);
  });

  it('SCAN: a digit cursor and a list of keys', () => {
    expect(isScanPage({ cursor: Buffer.from('17'), keys: [Buffer.from('k')] })).toBe(true);
    expect(isScanPage({ cursor: 'OK', keys: [] })).toBe(false);
    expect(isScanPage({ cursor: 49, keys: undefined })).toBe(false);
    expect(isScanPage(null)).toBe(false);
  });
});
