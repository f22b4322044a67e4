/**
 * RFC 6901 JSON pointers: `""` is the whole document, `/a/b/0` walks objects and arrays, `~1` is
 * `/` and `~0` is `~` in a name. The URI fragment form `#/a/b` (percent-encoded) is accepted too.
 */
export function parsePointer(pointer: string): string[] {
  let p = pointer;
  if (p.startsWith('#')) p = decodeURIComponent(p.slice(1));
  if (p === '') return [];
  if (!p.startsWith('/')) throw new Error(`JSON pointer '${pointer}' must be empty or start with '/'`);
  return p
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `pointer`, or `{ found: false }` when any step is missing. */
export function resolvePointer(doc: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  let cur = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return { found: false };
      const i = Number(token);
      if (i >= cur.length) return { found: false };
      cur = cur[i];
    } else if (cur !== null && typeof cur === 'object') {
      if (!Object.prototype.hasOwnProperty.call(cur, token)) return { found: false };
      cur = (cur as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}
