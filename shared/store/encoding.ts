import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * What every table write sends, made safe for both Azure Storage and Azurite without changing the
 * stored text. Applied to the serialized request body (single entity writes and entity-group
 * transactions alike), so no store or call site has to think about it. See docs/storage-encoding.md.
 *
 * - U+2028 / U+2029 are legal raw inside a JSON string, and JSON.stringify leaves them raw. Azurite
 *   (3.35, still in 3.36) cuts each operation of a batch out of the multipart body with
 *   `/{+.+}+/`, whose `.` stops at JavaScript line terminators, so a raw U+2028 mangles or drops the
 *   operation; a mangled one can leave Azurite refusing every later batch ("Transaction Overlap!").
 *   The escape `\u2028` is the same JSON value, so Azure and Azurite store exactly the same text.
 * - A lone surrogate (e.g. `"\ud800"` in a webhook body, or a string a node runbook built) is not a
 *   Unicode scalar value: UTF-8, which Azure Storage keeps, cannot carry it. It is stored as U+FFFD,
 *   the same replacement a UTF-8 decoder makes, on Azure and Azurite alike; a valid pair is kept.
 *
 * JSON.stringify (ES2019 well-formed) already writes a lone surrogate as the escape `\udxxx`, so
 * this works on escapes; an escaped backslash is consumed first, so `\\ud800` (a backslash and the
 * letters "ud800") is left alone.
 */
const TOKEN = /\\\\|\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u(d[89a-f][0-9a-f]{2})|[\u2028\u2029]/gi;

export function escapeForStorage(body: string): string {
  if (!/[\u2028\u2029]|\\u[dD][89a-fA-F]/.test(body)) return body; // the common case: nothing to do
  return body.replace(TOKEN, (m: string, hi?: string, _lo?: string, lone?: string) => {
    if (m === '\\\\' || hi) return m;
    if (lone) return '\\ufffd';
    return m === '\u2028' ? '\\u2028' : '\\u2029';
  });
}

/** Pipeline policy for the Tables client: rewrites string bodies with escapeForStorage. */
export const storageEncodingPolicy: PipelinePolicy = {
  name: 'hookbookStorageEncoding',
  async sendRequest(request, next) {
    if (typeof request.body === 'string') request.body = escapeForStorage(request.body);
    return next(request);
  },
};
