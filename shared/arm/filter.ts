import { badRequest } from '../errors';

/**
 * Azure's `$filter` as Automation clients send it: clauses `properties/<field> <op> <value>` joined
 * by `and`; values are 'quoted strings', bare date-times (`2024-01-01T00:00:00.0000000Z`, as Az's
 * `{0:O}` writes them) or `datetime'…'`/`datetimeoffset'…'`. Anything else is a 400 naming the clause.
 */
export interface FilterClause {
  field: string;
  op: 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt';
  value: string;
}

const CLAUSE =
  /^\s*properties\/([A-Za-z][A-Za-z/]*)\s+(eq|ne|ge|gt|le|lt)\s+(?:(?:datetime|datetimeoffset)?'((?:[^']|'')*)'|([0-9][0-9:.TZ+ -]*[0-9Z]))\s*$/i;

export function parseFilter(raw: string | null, allowed: Record<string, readonly FilterClause['op'][]>): FilterClause[] {
  if (raw === null || raw.trim() === '') return [];
  if (raw.length > 1024) throw badRequest('$filter is longer than 1024 characters.');
  const out: FilterClause[] = [];
  for (const part of splitAnd(raw)) {
    const m = CLAUSE.exec(part);
    if (!m) throw badRequest(`$filter clause '${part.trim().slice(0, 100)}' is not of the form properties/<field> <eq|ge|le> <value>.`);
    const field = Object.keys(allowed).find((f) => f.toLowerCase() === m[1]!.toLowerCase());
    const op = m[2]!.toLowerCase() as FilterClause['op'];
    if (!field)
      throw badRequest(
        `$filter: properties/${m[1]} cannot be filtered on; use ${Object.keys(allowed)
          .map((f) => `properties/${f}`)
          .join(', ')}.`,
      );
    if (!allowed[field]!.includes(op)) throw badRequest(`$filter: properties/${field} takes ${allowed[field]!.join(' or ')}, not ${op}.`);
    out.push({ field, op, value: m[3] !== undefined ? m[3].replace(/''/g, "'") : m[4]!.trim() });
  }
  return out;
}

/** Split on ` and ` outside quotes. */
function splitAnd(raw: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "'") quoted = !quoted;
    else if (!quoted) {
      const m = /^\s+and\s+/i.exec(raw.slice(i));
      if (m) {
        parts.push(raw.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  if (quoted) throw badRequest('$filter has an unclosed quote.');
  parts.push(raw.slice(start));
  return parts;
}

/**
 * A filter date-time. A `+hh:mm` offset arrives as ` hh:mm` when a client leaves `+` unencoded in
 * the query (form decoding turns it into a space): read it back as `+`.
 */
export function filterTime(c: FilterClause): Date {
  const text = c.value.replace(/ (\d{2}:\d{2})$/, '+$1');
  // .NET's round-trip format has 7 fractional digits; JavaScript reads at most 3.
  const t = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(t)) throw badRequest(`$filter: properties/${c.field} needs a date-time, not '${c.value.slice(0, 60)}'.`);
  return new Date(t);
}
