import { MAX_PARAMETERS, type RunbookParameter } from '../model/runbook';

/**
 * Reads PowerShell runbooks without running them: the `param()` block (so an Azure Automation
 * `.ps1` declares its own parameters) and PowerShell Workflow runbooks (`workflow Name { ... }`),
 * which PowerShell 7 cannot run. A workflow that needs no workflow engine is rewritten into the
 * script it is; one that does is refused, naming the construct and its line.
 *
 * The tokenizer knows just enough PowerShell to tell code from comments and strings (here-strings,
 * `$(...)` inside double quotes) and to balance brackets. Rewrites keep every line where it was,
 * so PowerShell's own error messages point at the user's line numbers.
 */

export class PwshSourceError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

type TokenKind = 'word' | 'variable' | 'string' | 'punct' | 'newline';
export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
  line: number;
}

const PUNCT = new Set(['(', ')', '{', '}', '[', ']', ',', ';', '=', '|']);
const WORD_STOP = /[\s(){}[\],;=|"'`$#\u2018-\u201E]/;
// PowerShell reads typographic quotes as quotes (they come with runbooks pasted from documents).
const isDouble = (c: string | undefined) => c === '"' || c === '\u201C' || c === '\u201D' || c === '\u201E';
const isSingle = (c: string | undefined) => c === "'" || c === '\u2018' || c === '\u2019' || c === '\u201A' || c === '\u201B';

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number) => tokens.push({ kind, text: src.slice(start, end), start, end, line: lineOf(start) });

  const fail = (message: string, at: number): never => {
    throw new PwshSourceError(message, lineOf(at));
  };

  /** Skips code up to the `)` that closes a `$(` inside a double-quoted string. */
  const skipSubexpression = (from: number): number => {
    let depth = 1;
    let j = from;
    while (j < src.length) {
      const c = src[j]!;
      if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) return j + 1;
      } else if (isHereStart(j)) {
        j = skipHere(j);
        continue;
      } else if (isDouble(c) || isSingle(c)) {
        j = isDouble(c) ? skipDouble(j + 1) : skipSingle(j + 1);
        continue;
      } else if (c === '#' && (j === 0 || /[\s(;{]/.test(src[j - 1]!))) {
        while (j < src.length && src[j] !== '\n') j++;
        continue;
      }
      j++;
    }
    return fail('unterminated $( ) in a string', from);
  };
  const skipDouble = (from: number): number => {
    let j = from;
    while (j < src.length) {
      const c = src[j]!;
      if (c === '`') j += 2;
      else if (isDouble(c)) {
        if (isDouble(src[j + 1])) j += 2;
        else return j + 1;
      } else if (c === '$' && src[j + 1] === '(') j = skipSubexpression(j + 2);
      else j++;
    }
    return fail('unterminated string', from - 1);
  };
  /** `@"` or `@'` ending its line opens a here-string. */
  const isHereStart = (at: number): boolean => src[at] === '@' && (src[at + 1] === '"' || src[at + 1] === "'") && /^[ \t]*\r?\n/.test(src.slice(at + 2, at + 200));
  /** Skips a here-string; its terminator stands at the start of a line. `@"` may hold `$( )` with here-strings of its own. */
  const skipHere = (at: number): number => {
    const quote = src[at + 1]!;
    let j = src.indexOf('\n', at) + 1;
    while (j < src.length) {
      if ((src[j - 1] === '\n') && src[j] === quote && src[j + 1] === '@') return j + 2;
      if (quote === '"' && src[j] === '`') j += 2;
      else if (quote === '"' && src[j] === '$' && src[j + 1] === '(') j = skipSubexpression(j + 2);
      else j++;
    }
    return fail('unterminated here-string', at);
  };
  const skipSingle = (from: number): number => {
    let j = from;
    while (j < src.length) {
      if (isSingle(src[j])) {
        if (isSingle(src[j + 1])) j += 2;
        else return j + 1;
      } else j++;
    }
    return fail('unterminated string', from - 1);
  };

  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      push('newline', i, i + 1);
      i++;
    } else if (c === '`' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      i += src[i + 1] === '\r' ? 3 : 2; // line continuation
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '<' && src[i + 1] === '#') {
      const end = src.indexOf('#>', i + 2);
      if (end < 0) fail('unterminated <# comment', i);
      i = end + 2;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (isHereStart(i)) {
      const end = skipHere(i);
      push('string', i, end);
      i = end;
    } else if (isDouble(c) || isSingle(c)) {
      const end = isDouble(c) ? skipDouble(i + 1) : skipSingle(i + 1);
      push('string', i, end);
      i = end;
    } else if (c === '$') {
      let j = i + 1;
      if (src[j] === '(') {
        push('punct', i, i + 2); // `$(` opens a group like `(`
        i += 2;
        continue;
      }
      if (src[j] === '{') {
        const end = src.indexOf('}', j);
        if (end < 0) fail('unterminated ${ } variable', i);
        j = end + 1;
      } else if (/[$?^_]/.test(src[j] ?? '') && !/[A-Za-z0-9_]/.test(src[j + 1] ?? '')) j++;
      else while (j < src.length && /[A-Za-z0-9_:?]/.test(src[j]!)) j++;
      push('variable', i, j);
      i = j;
    } else if (c === '@' && (src[i + 1] === '(' || src[i + 1] === '{')) {
      push('punct', i, i + 2);
      i += 2;
    } else if (PUNCT.has(c)) {
      push('punct', i, i + 1);
      i++;
    } else {
      let j = i;
      while (j < src.length && !WORD_STOP.test(src[j]!)) j++;
      if (j === i) j++;
      push('word', i, j);
      i = j;
    }
  }
  return tokens;
}

const opens = (t: Token) => t.kind === 'punct' && (t.text === '(' || t.text === '{' || t.text === '[' || t.text.endsWith('(') || t.text.endsWith('{'));
const closes = (t: Token) => t.kind === 'punct' && (t.text === ')' || t.text === '}' || t.text === ']');

/** Index of the token closing the group opened at `open`. */
function matching(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (opens(tokens[k]!)) depth++;
    else if (closes(tokens[k]!)) {
      depth--;
      if (depth === 0) return k;
    }
  }
  throw new PwshSourceError(`'${tokens[open]!.text}' is never closed`, tokens[open]!.line);
}

const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;

// ---------------------------------------------------------------------------------------------
// Workflows

/** Constructs that need the Windows PowerShell workflow engine; a workflow using one is refused. */
const ENGINE_COMMANDS = ['checkpoint-workflow', 'suspend-workflow'];
const ENGINE_PARAMETERS = ['-pscomputername', '-pscredential', '-pspersist', '-psconnectionretrycount', '-psconnectionretryintervalsec', '-psport', '-psusessl', '-psauthentication'];

export interface PwshScript {
  /** The script to run: the source itself, or the body of a workflow rewritten as a script. */
  script: string;
  /** The workflow's name when the source was a workflow. */
  workflow?: string;
  tokens: Token[];
}

/**
 * The script PowerShell 7 runs for this source. A workflow that needs no workflow engine becomes
 * its body (`InlineScript { }` → `& { }`, `$using:x` → `$x`); one that needs the engine throws
 * `PwshSourceError` naming the construct and its line.
 */
export function toScript(source: string): PwshScript {
  const tokens = tokenize(source);
  const code = tokens.filter((t) => t.kind !== 'newline');
  const wfIndex = code.findIndex((t, k) => isWord(t, 'workflow') && depthAt(code, k) === 0);
  if (wfIndex < 0) return { script: source, tokens };
  const nameTok = code[wfIndex + 1];
  const brace = code[wfIndex + 2];
  if (!nameTok || nameTok.kind !== 'word' || brace?.text !== '{') throw new PwshSourceError("'workflow' must be followed by a name and '{'", code[wfIndex]!.line);
  const close = matching(code, wfIndex + 2);
  // A script-info header's empty `Param()` (PowerShell Gallery publishing) may precede the workflow.
  let first = 0;
  const blanks: { start: number; end: number }[] = [];
  if (isWord(code[0], 'param') && code[1]?.text === '(' && code[2]?.text === ')' && wfIndex >= 3) {
    blanks.push({ start: code[0]!.start, end: code[2]!.end });
    first = 3;
  }
  const outside = [...code.slice(first, wfIndex), ...code.slice(close + 1)].find((t) => !(t.kind === 'punct' && t.text === ';'));
  if (outside) throw new PwshSourceError(`a workflow runbook holds only the workflow; found '${outside.text}' outside it`, outside.line);

  const body = code.slice(wfIndex + 3, close);
  const edits: { start: number; end: number; text: string }[] = [];
  for (let k = 0; k < body.length; k++) {
    const t = body[k]!;
    const lower = t.text.toLowerCase();
    if (t.kind === 'word') {
      const next = body[k + 1];
      if (lower === 'parallel' && next?.text === '{') throw new PwshSourceError("workflow construct 'parallel' needs the workflow engine; run the statements one after another instead", t.line);
      if (lower === 'foreach' && next?.kind === 'word' && next.text.toLowerCase().startsWith('-parallel')) throw new PwshSourceError("workflow construct 'foreach -parallel' needs the workflow engine; use 'foreach' (or ForEach-Object -Parallel in a script)", t.line);
      if (lower === 'sequence' && next?.text === '{') throw new PwshSourceError("workflow construct 'sequence' needs the workflow engine", t.line);
      if (ENGINE_COMMANDS.includes(lower)) throw new PwshSourceError(`workflow command '${t.text}' needs the workflow engine (PowerShell 7 has no checkpoints); remove it`, t.line);
      if (ENGINE_PARAMETERS.some((p) => lower === p || lower.startsWith(p + ':'))) throw new PwshSourceError(`workflow common parameter '${t.text}' needs the workflow engine`, t.line);
      if (lower === 'workflow') throw new PwshSourceError('a workflow inside a workflow needs the workflow engine', t.line);
      if (lower === 'inlinescript' && next?.text === '{') {
        // `InlineScript` may stand on its own line above `{`: a line continuation keeps `& {` one statement.
        const gap = source.slice(t.end, next.start);
        edits.push({ start: t.start, end: next.start, text: '&' + (/^\s*$/.test(gap) ? gap.replace(/(\r?\n)/g, ' `$1') : gap) });
        const end = matching(body, k + 1);
        // $using:x (also inside strings) reads the workflow's variable: inline, that is just $x.
        const using = /\$(\{?)using:/gi;
        const span = source.slice(body[k + 1]!.end, body[end]!.start);
        for (let m = using.exec(span); m; m = using.exec(span)) {
          const at = body[k + 1]!.end + m.index;
          edits.push({ start: at, end: at + m[0].length, text: '$' + m[1] });
        }
        const after = body[end + 1];
        if (after?.kind === 'word' && after.text.startsWith('-') && after.line === body[end]!.line) throw new PwshSourceError(`InlineScript parameter '${after.text}' needs the workflow engine`, after.line);
      }
    } else if (t.kind === 'variable' && /^\$(pspersistpreference|psrunincprocesspreference)$/i.test(t.text)) {
      throw new PwshSourceError(`workflow preference '${t.text}' needs the workflow engine`, t.line);
    }
  }
  // Blank the header and the closing brace, keeping newlines so lines stay where they were.
  const newlines = (a: number, b: number) => source.slice(a, b).replace(/[^\n]/g, '');
  edits.push({ start: code[wfIndex]!.start, end: brace.end, text: newlines(code[wfIndex]!.start, brace.end) });
  edits.push({ start: code[close]!.start, end: code[close]!.end, text: '' });
  for (const b of blanks) edits.push({ ...b, text: newlines(b.start, b.end) });
  edits.sort((a, b) => b.start - a.start);
  let script = source;
  for (const e of edits) script = script.slice(0, e.start) + e.text + script.slice(e.end);
  return { script, workflow: nameTok.text, tokens: tokenize(script) };
}

function depthAt(tokens: Token[], index: number): number {
  let depth = 0;
  for (let k = 0; k < index; k++) {
    if (opens(tokens[k]!)) depth++;
    else if (closes(tokens[k]!)) depth--;
  }
  return depth;
}

// ---------------------------------------------------------------------------------------------
// param() blocks

/** PowerShell type names → Hookbook parameter types. Unlisted scalar types travel as strings and
 * PowerShell converts them when it binds ([guid], [double], [uri], ...). */
const TYPES: Record<string, RunbookParameter['type']> = {
  string: 'string',
  char: 'string',
  int: 'int',
  int32: 'int',
  int64: 'int',
  long: 'int',
  int16: 'int',
  byte: 'int',
  uint32: 'int',
  bool: 'bool',
  boolean: 'bool',
  switch: 'bool',
  switchparameter: 'bool',
  datetime: 'datetime',
  object: 'object',
  psobject: 'object',
  pscustomobject: 'object',
  hashtable: 'object',
  array: 'array',
};

export interface PwshParameter extends RunbookParameter {
  /** The PowerShell type as written (`string[]`), for messages and docs. */
  psType?: string;
}

/** The declared parameters of a script (or a workflow once rewritten by `toScript`). */
export function parseParamBlock(script: PwshScript): PwshParameter[] {
  const code = script.tokens.filter((t) => t.kind !== 'newline');
  // param() is the first statement, after attributes such as [CmdletBinding()] and `using` lines.
  let k = 0;
  while (k < code.length) {
    const t = code[k]!;
    if (t.text === '[') k = matching(code, k) + 1;
    else if (isWord(t, 'using')) {
      while (k < code.length && code[k]!.line === t.line) k++;
    } else break;
  }
  if (!isWord(code[k], 'param') || code[k + 1]?.text !== '(') return [];
  const close = matching(code, k + 1);
  const inner = code.slice(k + 2, close);
  const segments: Token[][] = [[]];
  let depth = 0;
  for (const t of inner) {
    if (opens(t)) depth++;
    else if (closes(t)) depth--;
    if (depth === 0 && t.text === ',') segments.push([]);
    else segments.at(-1)!.push(t);
  }
  const out: PwshParameter[] = [];
  for (const seg of segments) {
    if (seg.length === 0) continue;
    out.push(parseOne(seg, script.script));
  }
  return out;
}

function parseOne(seg: Token[], src: string): PwshParameter {
  let psType: string | undefined;
  let mandatory = false;
  let k = 0;
  while (k < seg.length && seg[k]!.text === '[') {
    const end = matching(seg, k);
    const attr = src.slice(seg[k]!.end, seg[end]!.start).trim();
    if (/^parameter\s*\(/i.test(attr)) {
      const m = /\bmandatory\b(\s*=\s*(\$\w+|\d+))?/i.exec(attr);
      if (m) mandatory = m[2] === undefined || /^(\$true|1)$/i.test(m[2]);
    } else if (!attr.includes('(')) psType = attr.replace(/\s+/g, '');
    k = end + 1;
  }
  const v = seg[k];
  if (!v || v.kind !== 'variable') throw new PwshSourceError(`param(): expected a $name, found '${v?.text ?? 'nothing'}'`, (v ?? seg[0]!).line);
  const name = v.text.replace(/^\$\{?|\}$/g, '');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) throw new PwshSourceError(`param(): parameter name '${name}' must be letters, digits and '_'`, v.line);
  const type = typeFor(psType);
  const param: PwshParameter = { name, type, mandatory, secret: false };
  if (psType) param.psType = psType;
  if (seg[k + 1]?.text === '=') {
    const exprText = src.slice(seg[k + 1]!.end, seg.at(-1)!.end).trim();
    const value = literal(exprText);
    // A computed default ((Get-Date), "$env:X") is left to PowerShell: the parameter is then not passed.
    // Mandatory stays as declared: PowerShell ignores a mandatory parameter's default, while a
    // literal one is filled in here (as RealmJoin's form pre-fills it) before the job starts.
    if (value !== undefined && acceptsDefault(type, value)) param.default = value;
  }
  return param;
}

function typeFor(psType: string | undefined): RunbookParameter['type'] {
  if (!psType) return 'string';
  const bare = psType.toLowerCase().replace(/^system\./, '').replace(/^management\.automation\./, '');
  if (bare.endsWith('[]')) return 'array';
  return TYPES[bare] ?? 'string';
}

function acceptsDefault(type: RunbookParameter['type'], v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    default:
      return false;
  }
}

/** The value of a literal default (`'a'`, `"b"`, `42`, `$true`, `@('x','y')`), else undefined. */
export function literal(expr: string): unknown {
  const s = expr.trim();
  if (/^\$true$/i.test(s)) return true;
  if (/^\$false$/i.test(s)) return false;
  if (/^[-+]?\d+$/.test(s)) return Number(s);
  if (/^'(?:[^']|'')*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
  if (/^"[^"`$]*"$/.test(s)) return s.slice(1, -1);
  const arr = /^@\(([\s\S]*)\)$/.exec(s);
  const list = arr ? arr[1]!.trim() : s.includes(',') ? s : undefined;
  if (list !== undefined) {
    if (list === '') return [];
    const items = list.split(',').map((x) => literal(x));
    return items.every((x) => x !== undefined && !Array.isArray(x)) ? items : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Publishing

/**
 * A pwsh runbook's definition as published: a workflow that needs the engine is refused
 * (`PwshSourceError`), and when no parameters are declared they are read from the param() block.
 * Other runbook types pass through unchanged.
 */
export function withPwshParameters<T extends { type: string; parameters: RunbookParameter[] }>(definition: T, content: string): T {
  if (definition.type !== 'pwsh') return definition;
  const script = toScript(content);
  if (definition.parameters.length > 0) return definition;
  const parameters = parseParamBlock(script).map(({ psType: _psType, ...p }) => p);
  if (parameters.length > MAX_PARAMETERS) throw new PwshSourceError(`param() declares ${parameters.length} parameters; a runbook takes at most ${MAX_PARAMETERS}`, script.tokens.find((t) => isWord(t, 'param'))?.line ?? 1);
  return { ...definition, parameters };
}
