import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { badRequest, describeZodError, tooLarge } from './errors';
import { auditBody } from '../audit/record';

export const MAX_BODY_BYTES = 512 * 1024;

/** The raw body, refused past `limit` bytes (413 names the limit). */
export async function readBytes(req: HttpRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(`Request body is ${declared} bytes; the limit is ${limit} bytes (${limit / 1024} KB).`);
  const body = Buffer.from(await req.arrayBuffer());
  if (body.length > limit) throw tooLarge(`Request body is ${body.length} bytes; the limit is ${limit} bytes (${limit / 1024} KB).`);
  return body;
}

/** Parse JSON (an empty body counts as `empty`), then validate with the schema. */
export async function readJson<T extends z.ZodType>(
  req: HttpRequest,
  schema: T,
  opts: { empty?: unknown; what?: string; limit?: number } = {},
): Promise<z.infer<T>> {
  const raw = (await readBytes(req, opts.limit)).toString('utf8');
  let value: unknown;
  if (raw.trim() === '') {
    value = opts.empty;
    if (value === undefined) throw badRequest('Request body is empty; send a JSON object.');
  } else {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw badRequest(`Request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  auditBody(req, value); // the names of the fields it sets, for the audit trail
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(describeZodError(parsed.error, opts.what ?? 'body'));
  return parsed.data;
}
