import type { Runbook } from '../model/runbook';
import { validateParameters } from '../runbooks/parameters';
import { badRequest } from '../http/errors';
import { mailHtml } from './html';
import { baseName, EXECUTE_SUFFIX } from './path';

/**
 * The notification e-mail of seed 003: a message and a form whose button POSTs to
 * `<public url><base><path>.execute?token=<key>&format=json`. An e-mail cannot set headers, so
 * the key travels in the URL; that is why the management endpoint mints, by default, an operator
 * key limited to this one runbook (revocable on its own).
 */
export interface MailOptions {
  subject?: string;
  message?: string;
  buttonLabel?: string;
  parameters?: Record<string, unknown>;
  /** Where the button lands: `json` (the seed's `"/process/<id>"`) or `html` (a page with a link). */
  format?: 'json' | 'html';
}

export interface RenderedMail {
  subject: string;
  url: string;
  html: string;
}

/** A validated parameter as the form posts it: strings as they are, other values as JSON. */
const asField = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function buildMail(
  runbook: Runbook,
  token: string,
  where: { publicUrl: string; base: string },
  opts: MailOptions = {},
): RenderedMail {
  const given = opts.parameters ?? {};
  for (const def of runbook.parameters) {
    if (def.secret && Object.keys(given).some((k) => k.toLowerCase() === def.name.toLowerCase())) {
      throw badRequest(`Parameter '${def.name}' is secret; it cannot be written into an e-mail.`);
    }
  }
  // Validated now (with the runbook's types) so that a broken button is caught before it is sent;
  // only the values the caller gave go into the form, defaults stay the runbook's.
  validateParameters(runbook.parameters, given);
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) fields[k] = asField(v);
  const query = new URLSearchParams({ token, format: opts.format ?? 'json' });
  const url = `${where.publicUrl.replace(/\/+$/, '')}${where.base}${runbook.path}${EXECUTE_SUFFIX}?${query.toString()}`;
  const name = baseName(runbook.path);
  const subject = opts.subject ?? `[Hookbook] ${runbook.description || runbook.path}`;
  const html = mailHtml({
    actionUrl: url,
    message: opts.message ?? `Press the button to run ${runbook.path}.`,
    buttonLabel: opts.buttonLabel ?? `Run ${name}`,
    fields,
  });
  return { subject, url, html };
}
