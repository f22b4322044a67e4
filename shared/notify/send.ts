import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, refusedLiteral } from './address';

/** Bytes of a receiver's answer kept with the attempt. */
export const ANSWER_BYTES = 512;
/** Redirects followed, to the same origin only. */
const MAX_REDIRECTS = 3;

export interface SendResult {
  statusCode?: number;
  latencyMs: number;
  /** The first ANSWER_BYTES of the answer, or what went wrong. */
  response: string;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/**
 * POST `body` to `url` once: the address checked after resolution (shared/notify/address.ts), the
 * whole attempt (connect, send, answer) cut at `timeoutMs`, only the first bytes of the answer read.
 * A 307/308 to the same origin is followed (checked again); any other redirect is not, and says
 * where it pointed. Never throws: a failure is a result without a status code.
 */
export async function post(url: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const deadline = Date.now() + opts.timeoutMs;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    let answer: { statusCode: number; location?: string; text: string };
    try {
      answer = await once(current, body, headers, opts.allowPrivate, deadline - Date.now());
    } catch (error) {
      return { latencyMs: elapsed(started), response: (error as Error).message.slice(0, ANSWER_BYTES) };
    }
    const isRedirect = answer.statusCode >= 300 && answer.statusCode < 400 && answer.location !== undefined;
    if (!isRedirect) return { statusCode: answer.statusCode, latencyMs: elapsed(started), response: answer.text };
    const next = new URL(answer.location!, current);
    const sameOrigin = next.origin === current.origin;
    if (!sameOrigin || (answer.statusCode !== 307 && answer.statusCode !== 308) || hop >= MAX_REDIRECTS) {
      const why = !sameOrigin ? 'to another origin' : hop >= MAX_REDIRECTS ? 'past the redirect limit' : '(only 307/308 keep the POST)';
      return {
        statusCode: answer.statusCode,
        latencyMs: elapsed(started),
        response: `redirect ${why} not followed: ${next.href}`.slice(0, ANSWER_BYTES),
      };
    }
    current = next;
  }
}

const elapsed = (t0: number) => Math.round(performance.now() - t0);

function once(
  url: URL,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
  timeoutMs: number,
): Promise<{ statusCode: number; location?: string; text: string }> {
  const literal = refusedLiteral(url.hostname, allowPrivate);
  if (literal) return Promise.reject(literal);
  if (timeoutMs <= 0) return Promise.reject(new Error('timed out'));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'User-Agent': 'Hookbook-Notifications/1',
      },
      lookup: guardedLookup(allowPrivate) as never,
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${Math.round(timeoutMs / 100) / 10} s`)), timeoutMs);
    const done = () => clearTimeout(timer);
    req.on('error', (error) => {
      done();
      reject(error);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        done();
        resolve({
          statusCode: res.statusCode ?? 0,
          location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
          text: Buffer.concat(chunks).subarray(0, ANSWER_BYTES).toString('utf8'),
        });
        res.destroy();
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= ANSWER_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end(body);
  });
}
