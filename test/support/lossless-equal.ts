const tag = (v: unknown) => Object.prototype.toString.call(v);

/**
 * Deep equality that works across realms (V8's deserializer builds objects in Node's realm, not
 * Jest's sandbox, so `toEqual`/`instanceof` misjudge them) and is strict where JSON is lossy:
 * NaN, -0, ±Infinity, Date time, BigInt, Map, Set and typed arrays.
 */
export function losslessEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b || tag(a) !== tag(b)) return false;
  if (typeof a !== 'object' || a === null) return Object.is(a, b);
  const t = tag(a);
  if (t === '[object Date]') return Object.is((a as Date).getTime(), (b as Date).getTime());
  if (t === '[object Map]' || t === '[object Set]') {
    return losslessEqual([...(a as Map<unknown, unknown>).entries()], [...(b as Map<unknown, unknown>).entries()]);
  }
  if (ArrayBuffer.isView(a)) return losslessEqual(Array.from(a as Float64Array), Array.from(b as Float64Array));
  const keysA = Object.keys(a as object);
  const keysB = Object.keys(b as object);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => losslessEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
