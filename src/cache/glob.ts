/**
 * Converts a Redis glob (`*`, `?`, `[abc]`, `[^a]`, `\x`) to an anchored RegExp, so L1 applies
 * exactly the pattern that SCAN MATCH applies in L2.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) source += escape(glob[++i]);
    else if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        source += body.startsWith('^') ? `[^${body.slice(1)}]` : `[${body}]`;
        i = end;
      }
    } else source += escape(c);
  }
  return new RegExp(`^${source}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
