import type { ProcessRecord } from '../runners/process';
import type { Final } from './finish';

/**
 * Hides every secret handed to a job in what the job writes, before a stream record is stored:
 * the value itself, its JSON-escaped forms (JSON.stringify, Python's ensure_ascii, .NET's
 * ConvertTo-Json), base64 (standard and URL-safe, at any byte offset in the encoded text),
 * URL-encoded forms (encodeURIComponent, form `+`, Python's quote, lower-case hex), each line of
 * a multi-line secret, and a secret split over two consecutive records of one stream (a line
 * break in the middle). A job adds values at run time with a line `::add-mask::<value>` (as in
 * GitHub Actions); that line itself is never stored. What is not caught is listed in
 * docs/assets.md (other encodings, a secret cut over three or more lines, values shorter than
 * MIN_SECRET_CHARS, a split whose first half was already released after the hold time).
 */
export const MASK = '***';
export const ADD_MASK = '::add-mask::';
/** Shorter values are not masked: masking "a" or "1" would shred the output and protect nothing. */
export const MIN_SECRET_CHARS = 4;
/** A record waits this long for the next one, so that a secret cut by a line break is seen whole. */
const HOLD_MS = 400;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const u4 = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** The forms of one secret as it may show up in output. */
export function encodings(secret: string): string[] {
  const out = new Set<string>([secret]);
  const json = JSON.stringify(secret).slice(1, -1);
  out.add(json);
  out.add(json.replace(/[^\x20-\x7e]/g, u4)); // Python json.dumps (ensure_ascii)
  out.add(json.replace(/[^\x20-\x7e]|[<>&']/g, u4)); // .NET / ConvertTo-Json
  out.add(json.replace(/\//g, '\\/')); // PHP-style escaped slashes
  const uri = encodeURIComponent(secret);
  out.add(uri);
  out.add(uri.replace(/%20/g, '+'));
  out.add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  const py = uri.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%2F/g, '/');
  out.add(py);
  out.add(py.replace(/%20/g, '+').replace(/\//g, '%2F'));
  const bytes = Buffer.from(secret, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    // Only the base64 characters that depend on the secret's bytes alone: whole 3-byte groups.
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const firstGroup = offset === 0 ? 0 : 1;
    const lastGroup = Math.floor(padded.length / 3); // exclusive
    if (lastGroup - firstGroup < 2) continue; // fewer than 8 characters would mask noise
    const core = padded.subarray(firstGroup * 3, lastGroup * 3);
    out.add(core.toString('base64'));
    out.add(core.toString('base64url'));
  }
  return [...out].filter((v) => v.length >= MIN_SECRET_CHARS);
}

export class SecretMasker {
  private readonly variants = new Set<string>();
  private pattern: RegExp | undefined;
  private sticky: RegExp | undefined;
  private longest = 0;

  /** One alternation, longest form first (so a longer form wins over a form it contains). */
  private compile(): void {
    if (this.pattern) return;
    const sorted = [...this.variants].sort((a, b) => b.length - a.length);
    const source = sorted.map(escapeRe).join('|');
    this.pattern = new RegExp(source, 'g');
    this.sticky = new RegExp(source, 'y');
  }

  get size(): number {
    return this.variants.size;
  }

  /** Every form of every secret added: a hybrid worker builds the same masker from them. */
  get forms(): string[] {
    return [...this.variants];
  }

  add(secret: string | undefined | null): void {
    if (typeof secret !== 'string') return;
    const parts = [secret, ...secret.split(/\r?\n/).map((l) => l.trim())];
    let added = false;
    for (const part of parts) {
      if (part.length < MIN_SECRET_CHARS) continue;
      for (const v of encodings(part)) {
        if (!this.variants.has(v)) {
          this.variants.add(v);
          this.longest = Math.max(this.longest, v.length);
          added = true;
        }
      }
    }
    if (added) this.pattern = undefined;
  }

  /** A secret of any type: strings as they are; other values as JSON and each string inside. */
  addValue(value: unknown): void {
    if (typeof value === 'string') return this.add(value);
    if (value === null || value === undefined) return;
    this.add(JSON.stringify(value));
    if (typeof value === 'object') for (const v of Object.values(value as object)) this.addValue(v);
  }

  /**
   * Whether any form occurs in `text`. Most output holds no secret: a few indexOf calls answer that
   * without compiling the alternation, which for a job token's ~20 long forms costs ~1 ms per job.
   */
  private occursIn(text: string): boolean {
    for (const v of this.variants) if (text.includes(v)) return true;
    return false;
  }

  mask(text: string): string {
    if (this.variants.size === 0 || text.length === 0 || !this.occursIn(text)) return text;
    this.compile();
    return text.replace(this.pattern!, MASK);
  }

  /** Characters at the end of `before` and the start of `after` that together form one secret form. */
  splitAt(before: string, after: string): { tail: number; head: number } | undefined {
    if (this.variants.size === 0 || !before || !after) return undefined;
    // Look only at the window around the boundary, trying each start position in `before`'s tail.
    const reach = this.longest - 1;
    const tail = before.slice(-reach);
    const combined = tail + after.slice(0, reach);
    if (!this.occursIn(combined)) return undefined;
    this.compile();
    const boundary = tail.length;
    const sticky = this.sticky!;
    for (let start = 0; start < boundary; start++) {
      sticky.lastIndex = start;
      const m = sticky.exec(combined);
      if (m && start + m[0].length > boundary) return { tail: boundary - start, head: start + m[0].length - boundary };
    }
    return undefined;
  }

  /** The final status fields a job's process produced (exception text, result) masked too. */
  final(f: Final): Final {
    const out = { ...f };
    if (out.exception !== undefined) out.exception = this.mask(out.exception);
    if (out.statusDetails !== undefined) out.statusDetails = this.mask(out.statusDetails);
    if (out.result !== undefined) out.result = this.maskJson(out.result) ?? JSON.stringify(MASK);
    return out;
  }

  /** Mask a JSON text; undefined if masking broke it. */
  maskJson(json: string): string | undefined {
    const masked = this.mask(json);
    if (masked === json) return json;
    try {
      JSON.parse(masked);
      return masked;
    } catch {
      return undefined;
    }
  }

  /**
   * A record filter in front of the stream writer: handles `::add-mask::` lines, masks every record,
   * and holds the latest record back briefly to catch a secret cut over a line break.
   */
  stream(emit: (r: ProcessRecord) => void, holdMs = HOLD_MS): MaskedStream {
    return new MaskedStream(this, emit, holdMs);
  }
}

interface Held {
  /** The record as the job wrote it. */
  raw: ProcessRecord;
  /** Its text less the parts of a secret cut by a line break (those become `***`). */
  headCut: number;
  tailCut: number;
}

export class MaskedStream {
  private held: Held | undefined;
  /** The record released last, raw (to catch the second half of a split secret after the hold time). */
  private released: ProcessRecord | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly masker: SecretMasker,
    private readonly emit: (r: ProcessRecord) => void,
    private readonly holdMs: number,
  ) {}

  readonly push = (r: ProcessRecord): void => {
    const directive = r.text.trimStart();
    if (directive.startsWith(ADD_MASK)) {
      this.masker.add(directive.slice(ADD_MASK.length).trim());
      return;
    }
    const next: Held = { raw: r, headCut: 0, tailCut: 0 };
    const before = this.held?.raw ?? this.released;
    if (before && before.streamType === r.streamType) {
      const split = this.masker.splitAt(before.text, r.text);
      if (split) {
        next.headCut = split.head;
        if (this.held) this.held.tailCut = Math.max(this.held.tailCut, split.tail);
      }
    }
    this.release();
    this.held = next;
    this.timer = setTimeout(() => this.release(), this.holdMs);
  };

  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    const raw = h.raw.text;
    const middle = raw.slice(h.headCut, raw.length - h.tailCut);
    const text = (h.headCut ? MASK : '') + this.masker.mask(middle) + (h.tailCut ? MASK : '');
    let value = h.raw.value;
    if (value !== undefined) {
      const json = JSON.stringify(value);
      const masked = json === undefined ? undefined : this.masker.maskJson(json);
      value = masked === undefined ? undefined : masked === json ? value : JSON.parse(masked);
    }
    this.released = h.raw;
    this.emit({ streamType: h.raw.streamType, text, ...(value !== undefined ? { value } : {}) });
  }

  /** Release what is held (the process ended). */
  end(): void {
    this.release();
  }
}
