import { globToRegExp } from './glob';

/** `[glob, strings it must match, strings it must not match]` */
type Case = [string, string[], string[]];

function expectCase([glob, matching, notMatching]: Case): void {
  const sut = globToRegExp(glob);
  for (const s of matching) expect({ glob, s, matches: sut.test(s) }).toEqual({ glob, s, matches: true });
  for (const s of notMatching) expect({ glob, s, matches: sut.test(s) }).toEqual({ glob, s, matches: false });
}

describe(globToRegExp.name, () => {
  it.each<Case>([
    ['*', ['', 'a', 'v1:price:AAPL', 'line\nbreak'], []],
    ['v1:price:*', ['v1:price:', 'v1:price:AAPL', 'v1:price:a:b'], ['v1:price', 'v1:prices:AAPL', 'x:v1:price:AAPL', 'v1:info:AAPL']],
    ['*:AAPL', ['v1:price:AAPL', ':AAPL'], ['v1:price:AAPLX', 'AAPL']],
    ['a*b*c', ['abc', 'aXbYc', 'abbbc', 'a*b*c'], ['ab', 'acb', 'abcd']],
  ])('`*` matches any run of characters, empty included: %j', (...c) => expectCase(c));

  it.each<Case>([
    ['a?c', ['abc', 'a:c', 'a?c', 'a\nc'], ['ac', 'abbc', 'abcd']],
    ['??', ['ab', '12'], ['a', 'abc', '']],
  ])('`?` matches exactly one character: %j', (...c) => expectCase(c));

  it.each<Case>([
    ['[abc]', ['a', 'b', 'c'], ['d', '', 'ab', '[', ']', 'abc']],
    ['x[abc]y', ['xay', 'xcy'], ['xdy', 'xy', 'xaby']],
    ['[^a]', ['b', 'z', ':', '^'], ['a', '', 'bb']],
    ['[a-c]', ['a', 'b', 'c'], ['d', '-', 'A', '']],
    ['[0-9][0-9]', ['00', '42'], ['4', '4a', '420']],
    ['[^0-9]', ['a'], ['5']],
    ['[.+(]', ['.', '+', '('], ['a', '\\']],
  ])('a `[...]` class matches one character from the set: %j', (...c) => expectCase(c));

  it.each<Case>([
    ['a\\*b', ['a*b'], ['ab', 'axb', 'aXYb']],
    ['a\\?b', ['a?b'], ['axb']],
    ['\\[abc]', ['[abc]'], ['a', 'b']],
    ['a\\\\b', ['a\\b'], ['ab', 'a\\\\b']],
    ['\\a', ['a'], ['\\a']],
    ['a\\', ['a\\'], ['a']],
  ])('a backslash makes the next character literal: %j', (...c) => expectCase(c));

  it.each<Case>([
    ['a.b', ['a.b'], ['axb', 'a b']],
    ['a+', ['a+'], ['a', 'aa']],
    ['(x)', ['(x)'], ['x']],
    ['(a|b)', ['(a|b)'], ['a', 'b']],
    ['price$', ['price$'], ['price']],
    ['^price', ['^price'], ['price']],
    ['a{2}', ['a{2}'], ['aa']],
    ['a/b', ['a/b'], ['ab']],
    ['\\d', ['d'], ['1']],
    ['v1:default:nest:*', ['v1:default:nest:k'], ['v1:default:nestk']],
  ])('regex metacharacters in the glob are literal: %j', (...c) => expectCase(c));

  it.each<Case>([
    ['price', ['price'], ['xprice', 'pricex', 'xpricex', 'price\n']],
    ['*price', ['price', 'xprice'], ['pricex']],
    ['price*', ['price', 'pricex'], ['xprice']],
    ['', [''], ['a']],
  ])('is anchored at both ends (no partial matches): %j', (...c) => expectCase(c));

  it('keeps percent-encoded key parts literal, so a pattern for one symbol does not match another', () => {
    const sut = globToRegExp('v1:price:A%2A');

    expect(sut.test('v1:price:A%2A')).toBe(true);
    expect(sut.test('v1:price:AB')).toBe(false);
  });

  it('treats a reversed range `[c-a]` like Redis does (as a-c) instead of throwing', () => {
    expect(globToRegExp('v1:price:[c-a]*').test('v1:price:b')).toBe(true);
    expect(globToRegExp('v1:price:[c-a]*').test('v1:price:B')).toBe(false);
  });

  it('treats `\\]` inside a class as an escaped `]`, as Redis does', () => {
    expect(globToRegExp('[\\]]').test(']')).toBe(true);
  });

  it('treats `\\-` inside a class as a literal `-`, not as a range, as Redis does', () => {
    expect(globToRegExp('[a\\-c]').test('b')).toBe(false);
  });
});
