// HTTP route templates as the Functions host understands them (ASP.NET routing): {id}, {id:int},
// {id?}, {*rest}, case-insensitive literals; literal segments beat parameters beat catch-alls.
export interface CompiledRoute<T> {
  template: string;
  methods: Set<string>;
  target: T;
  regex: RegExp;
  names: string[];
  /** One rank per segment, lower is more specific; compared left to right. */
  rank: number[];
}

const CONSTRAINTS: Record<string, string> = {
  int: '-?\\d+',
  long: '-?\\d+',
  bool: '(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])',
  alpha: '[A-Za-z]+',
  guid: '[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}',
  double: '-?\\d+(?:\\.\\d+)?',
  decimal: '-?\\d+(?:\\.\\d+)?',
  float: '-?\\d+(?:\\.\\d+)?',
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRoute<T>(template: string, methods: string[], target: T): CompiledRoute<T> {
  const names: string[] = [];
  const rank: number[] = [];
  let pattern = '';
  const segments = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s !== '');
  for (const seg of segments) {
    const whole = /^\{(\*{1,2})?([A-Za-z_][\w]*)(?::([^}?=]+))?(\?)?\}$/.exec(seg);
    if (whole) {
      const [, star, name, constraint, optional] = whole;
      names.push(name);
      if (star) {
        pattern += '(?:/(.*))?';
        rank.push(4);
      } else {
        const body = constraintPattern(constraint);
        pattern += optional ? `(?:/(${body}))?` : `/(${body})`;
        rank.push(optional ? 3 : constraint ? 1.5 : 2);
      }
      continue;
    }
    // A literal, possibly mixed with parameters ("{name}.json"): still one segment.
    let segPattern = '';
    let last = 0;
    for (const m of seg.matchAll(/\{([A-Za-z_]\w*)(?::([^}?=]+))?\}/g)) {
      segPattern += escape(seg.slice(last, m.index)) + `(${constraintPattern(m[2]).replace(/^\[\^\/\]\+$/, '[^/]+?')})`;
      names.push(m[1]);
      last = (m.index ?? 0) + m[0].length;
    }
    segPattern += escape(seg.slice(last));
    pattern += `/${segPattern}`;
    rank.push(last === 0 ? 1 : 1.2);
  }
  return {
    template,
    methods: new Set(methods.map((m) => m.toUpperCase())),
    target,
    regex: new RegExp(`^${pattern || ''}/?$`, 'i'),
    names,
    rank,
  };
}

function constraintPattern(constraint?: string): string {
  if (!constraint) return '[^/]+';
  // Several constraints may be chained (int:min(1)); the first known one shapes the match.
  for (const c of constraint.split(':')) {
    const base = c.replace(/\(.*$/, '').toLowerCase();
    if (CONSTRAINTS[base]) return CONSTRAINTS[base];
    if (base === 'regex') return c.slice(6, -1).replace(/^\^|\$$/g, '');
  }
  return '[^/]+';
}

/** Most specific first, like ASP.NET's route precedence. */
export function sortRoutes<T>(routes: CompiledRoute<T>[]): CompiledRoute<T>[] {
  return [...routes].sort((a, b) => {
    for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
      const x = a.rank[i] ?? 5;
      const y = b.rank[i] ?? 5;
      if (x !== y) return x - y;
    }
    return a.template.localeCompare(b.template);
  });
}

export interface RouteMatch<T> {
  route: CompiledRoute<T>;
  params: Record<string, string>;
}

/**
 * The first route (in precedence order) whose template and method both match. Like the host, a
 * template that matches with a method it does not allow is skipped, so in the end that is a 404.
 */
export function matchRoute<T>(sorted: CompiledRoute<T>[], method: string, pathname: string): RouteMatch<T> | undefined {
  const path = pathname === '' ? '/' : pathname;
  for (const route of sorted) {
    if (!route.methods.has(method.toUpperCase())) continue;
    const m = route.regex.exec(path === '/' ? '' : path);
    if (!m) continue;
    const params: Record<string, string> = {};
    let ok = true;
    route.names.forEach((name, i) => {
      const raw = m[i + 1];
      if (raw === undefined || raw === '') return;
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        ok = false;
      }
    });
    if (ok) return { route, params };
  }
  return undefined;
}
