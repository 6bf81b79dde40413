import fc from 'fast-check';

/** Values that break naive parsers: NaN-ish and huge numbers, traversal, glob and quote characters, control and bidi characters. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\r\n', '\t', '\u202e', 'abc\u202edef', '\u200f', '\ufeff', 'مرحبا', 'שלום', '😀', 'Ä', 'ǅ', '\u0301',
  '%', '%00', '%2e%2e', '..', '../..', '../../etc/passwd', '/', '\\', '*', '?', '[', ']', '[a-z]', '{', '}', '{a}', '\\*', ':', '::',
  "'", '"', '`', '<script>alert(1)</script>', '${x}', '__proto__', 'constructor', 'prototype', 'toString',
  'NaN', 'Infinity', '-Infinity', '-1', '-0', '0', '1e309', '-1e309', '1e-400', '9'.repeat(400), '-9007199254740993', '0x1F', '0b11', '1_000', ' 1', '1 ', '+1', '.5', '5.',
  'null', 'undefined', 'true', 'false', '[]', '{}', '[object Object]',
] as const;

/** One UTF-16 half surrogate on its own: not valid Unicode, and `encodeURIComponent` throws on it. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings of 1 k to 20 k characters (long symbols, long query strings; a URL of up to 180 kB). */
export const longString = fc
  .tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.constantFrom('A', '9', 'é', ',', '%', '日'))
  .map(([length, ch]) => ch.repeat(length));

/** Any string a client might send as one field: nasty constants, arbitrary code points, mixes with lone surrogates, long ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY_STRINGS), loneSurrogate, fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 6 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: longString },
);

/** Any JSON value, plus numbers JSON can carry but JS cannot hold exactly. Raw JSON text. */
export const hostileJsonValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('1e309', '-1e309', '1e-400', '9'.repeat(400), '-0', '0.1e-999', '123456789012345678901234567890') },
  { weight: 1, arbitrary: fc.integer({ min: 33, max: 2_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 30_000 }).map((n) => JSON.stringify(Array(n).fill('AAPL'))) },
);

/**
 * Percent-encodes any JS string the way a client would send it: well-formed text as UTF-8
 * (`encodeURIComponent`), a lone surrogate as the 3 bytes of its WTF-8 form (`%ED%A0%80`), which
 * is not valid UTF-8, so the server must refuse it as a bad URL.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

/** True when `text` holds a UTF-16 half surrogate on its own (not well-formed Unicode). */
export function hasLoneSurrogate(text: string): boolean {
  return [...text].some((ch) => ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff);
}

/** Raw URL fragments that are not valid %-escapes or not valid UTF-8 once decoded. */
export const brokenEscape = fc.constantFrom('%', '%G0', '%4', '%C0%AF', '%FF', '%E2%82', '%ED%A0%80', '%F4%90%80%80');

/** Content types a client might wrongly send (and a few odd spellings of JSON). */
export const contentType = fc.constantFrom(
  'application/json',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json;;;',
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'image/png',
  '*/*',
  'application/vnd.api+json',
);

/** A printable-ASCII header value (Node refuses others before they leave the client). */
export const headerValue = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.constantFrom(...NASTY_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s))));
