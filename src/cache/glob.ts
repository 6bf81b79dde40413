/**
 * Converts a Redis glob to an anchored RegExp with Redis' semantics (`util.c` stringmatchlen):
 * `*`, `?`, `\x` escapes, and classes `[abc]`, `[^a]`, `[a-c]` where a reversed range `[c-a]`
 * means `[a-c]` and `\` escapes inside a class too. L1 thus drops exactly what SCAN MATCH finds in L2.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) source += escapeChar(glob[++i]);
    else if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '[') {
      const parsed = parseClass(glob, i + 1);
      source += parsed.source;
      i = parsed.end;
    } else source += escapeChar(c);
  }
  return new RegExp(`^${source}$`);
}

/** Parses a class body starting at `start`; returns its RegExp source and the index of its `]`. */
function parseClass(glob: string, start: number): { source: string; end: number } {
  let i = start;
  const negate = glob[i] === '^';
  if (negate) i++;
  const parts: string[] = [];
  // Like Redis, an unterminated class runs to the end of the pattern.
  while (i < glob.length && glob[i] !== ']') {
    let from = glob[i];
    if (from === '\\' && i + 1 < glob.length) from = glob[++i];
    if (glob[i + 1] === '-' && i + 2 < glob.length && glob[i + 2] !== ']') {
      let to = glob[i + 2];
      i += 2;
      if (to === '\\' && i + 1 < glob.length) to = glob[++i];
      const [lo, hi] = from <= to ? [from, to] : [to, from];
      parts.push(`${escapeInClass(lo)}-${escapeInClass(hi)}`);
    } else {
      parts.push(escapeInClass(from));
    }
    i++;
  }
  if (parts.length === 0) return { source: negate ? '[\\s\\S]' : '(?!)', end: i };
  return { source: `[${negate ? '^' : ''}${parts.join('')}]`, end: i };
}

function escapeChar(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeInClass(c: string): string {
  return c.replace(/[\\\]^-]/g, '\\$&');
}
