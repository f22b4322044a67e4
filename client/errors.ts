import type { Problem } from './types';

/**
 * The service answered with an error status. `detail` is the problem document's sentence (or the
 * answer's text when it is not one: the webhook dialect answers plain text).
 */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly detail: string,
    readonly problem: Problem | undefined,
  ) {
    super(`${method} ${path} failed: HTTP ${status}: ${detail}`);
    this.name = 'ApiError';
  }

  get title(): string | undefined {
    return this.problem?.title;
  }
}

/** The service could not be reached at all (refused, reset, DNS): `reason` is the system's code. */
export class UnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    readonly reason: string,
  ) {
    super(`Cannot reach ${baseUrl}: ${reason}`);
    this.name = 'UnreachableError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problem document in an error answer, when it is one. */
export function problemOf(json: unknown): Problem | undefined {
  if (!isRecord(json)) return undefined;
  const text = (k: string) => (typeof json[k] === 'string' ? json[k] : undefined);
  return {
    type: text('type'),
    title: text('title'),
    status: typeof json.status === 'number' ? json.status : undefined,
    detail: text('detail'),
    instance: text('instance'),
  };
}

/** One sentence for an error answer: the problem's detail, an `error` field, else the text. */
export function detailOf(json: unknown, text: string, statusText: string): string {
  if (isRecord(json)) {
    if (typeof json.detail === 'string') return json.detail;
    if (typeof json.error === 'string') return json.error;
  }
  return text || statusText;
}
