import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { PROBLEM_ERRORS, type ErrorFormat } from '../openapi/registry';
import { HttpError, InternalError, toHttpError } from './errors';
import { classifyStorageError } from '../store/errors';

export type Handler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;
/** Writes an error in a dialect's format; `doc` is that format as the OpenAPI document declares it. */
export type ErrorFormatter = ((error: HttpError, req: HttpRequest) => HttpResponseInit) & { doc?: ErrorFormat };

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** RFC 9457 problem+json: the management API's and RealmJoin's error shape. */
export const problem: ErrorFormatter = Object.assign(
  (error: HttpError): HttpResponseInit => ({
    status: error.status,
    headers: { 'Content-Type': 'application/problem+json', ...error.headers },
    body: JSON.stringify({ type: 'about:blank', title: TITLES[error.status] ?? 'Error', status: error.status, detail: error.message }),
  }),
  { doc: PROBLEM_ERRORS },
);

/** Azure Automation's webhook answers its errors as a plain sentence. */
export const plainText: ErrorFormatter = Object.assign(
  (error: HttpError): HttpResponseInit => ({
    status: error.status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...error.headers },
    body: error.message,
  }),
  { doc: { content: { 'text/plain': z.string().describe('one sentence naming what is wrong') } } },
);

/** Wrap a handler: every throw becomes a formatted 4xx/5xx; unexpected ones are logged, not leaked. */
export function withErrors(handler: Handler, format: ErrorFormatter = problem): Handler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError instanceof InternalError) {
        ctx.error(`${req.method} ${new URL(req.url).pathname} failed (error id ${httpError.errorId}):`, errorSummary(error, true));
      } else if (httpError.status >= 500 || classifyStorageError(error)) {
        // 503s, and storage refusals mapped to a 4xx: logged so that an operator can see them.
        ctx.warn(`${req.method} ${new URL(req.url).pathname}: ${httpError.status} from`, errorSummary(error));
      }
      return format(httpError, req);
    }
  };
}

function errorSummary(error: unknown, stack = false): string {
  if (error instanceof Error) return stack && error.stack ? error.stack : `${error.name}: ${error.message}`;
  return String(error);
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

export const text = (status: number, value: string, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
  body: value,
});
