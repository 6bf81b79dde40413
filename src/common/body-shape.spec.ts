import { bodyShapeProblem, MAX_BODY_DEPTH, MAX_BODY_FIELDS } from './body-shape';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return { top: value };
};
const withFields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe(bodyShapeProblem.name, () => {
  it.each([
    [0, undefined],
    [MAX_BODY_DEPTH - 1, undefined],
    [MAX_BODY_DEPTH, /nests deeper than 32 levels/],
    [200_000, /nests deeper than 32 levels/],
  ])('a body %i levels deep under its top object: %s (without overflowing its own stack)', (depth, expected) => {
    const problem = bodyShapeProblem(nested(depth));
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it('counts object keys at every level, not array elements', () => {
    expect(bodyShapeProblem(withFields(MAX_BODY_FIELDS))).toBeUndefined();
    expect(bodyShapeProblem(withFields(MAX_BODY_FIELDS + 1))).toMatch(/more than 1000 fields/);
    expect(bodyShapeProblem({ holdings: Array.from({ length: 400 }, () => ({ symbol: 'A', quantity: 1, weight: 2 })) })).toMatch(/more than 1000 fields/);
    expect(bodyShapeProblem({ symbols: Array.from({ length: 10_000 }, (_, i) => `S${i}`) })).toBeUndefined();
  });

  it.each([
    [[], /not an array/],
    [[{ a: 1 }], /not an array/],
    ['x', /not a string/],
    [0, /not a number/],
    [false, /not a boolean/],
  ])('refuses the top-level value %j: every body DTO is an object', (body, expected) => {
    expect(bodyShapeProblem(body)).toMatch(expected);
  });

  it.each([undefined, null, {}])('lets %j through (no body, or an empty object: the DTO decides)', (body) => {
    expect(bodyShapeProblem(body)).toBeUndefined();
  });
});
