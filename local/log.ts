// One log line per invocation, and the redaction that keeps secrets out of it.
const SECRET_PARAMS = new Set(['token', 'code', 'sig', 'key', 'secret']);

/** A path with query string, where the values of token/code/sig/key/secret become ***. */
export function redactUrl(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  if (q < 0) return pathAndQuery;
  const parts = pathAndQuery
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* keep the raw name */
      }
      return eq >= 0 && SECRET_PARAMS.has(name.toLowerCase()) ? `${rawName}=***` : pair;
    });
  return `${pathAndQuery.slice(0, q)}?${parts.join('&')}`;
}

export function logLine(...fields: Array<string | number>): void {
  process.stdout.write(`${new Date().toISOString()}  ${fields.join('  ')}\n`);
}

export function shortId(invocationId: string): string {
  return invocationId.slice(0, 8);
}
