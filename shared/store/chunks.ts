/**
 * A Table string property holds at most 32 K UTF-16 characters (64 KiB). Long strings are split
 * over numbered properties `<name>_0`, `<name>_1`, ... (each cut between characters) and joined back on read.
 */
export const PROPERTY_CHARS = 32_000;

export function splitProperty(name: string, value: string, entity: Record<string, unknown>): void {
  if (value.length <= PROPERTY_CHARS) {
    entity[name] = value;
    return;
  }
  // Cut between characters, never inside a surrogate pair (half of one would not survive UTF-8).
  let parts = 0;
  for (let i = 0; i < value.length; parts++) {
    const part = cutString(value.slice(i, i + PROPERTY_CHARS + 1), PROPERTY_CHARS);
    entity[`${name}_${parts}`] = part;
    i += part.length;
  }
  entity[`${name}_n`] = parts;
}

export function joinProperty(name: string, entity: Record<string, unknown>): string | undefined {
  if (typeof entity[name] === 'string') return entity[name] as string;
  const parts = entity[`${name}_n`];
  if (typeof parts !== 'number') return undefined;
  let out = '';
  for (let i = 0; i < parts; i++) out += String(entity[`${name}_${i}`] ?? '');
  return out;
}

/** Cut a string to at most `max` characters without splitting a surrogate pair. */
export function cutString(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return s.slice(0, end);
}
