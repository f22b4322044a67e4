import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { createKey, verifyKey } from '../shared/auth/keys';
import { settings } from '../shared/config';
import { readJson } from '../shared/http/body';
import { badRequest, notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { mayUseRunbook, roleAtLeast } from '../shared/model/apiKey';
import { RunbookPath } from '../shared/model/runbook';
import { catalog } from '../shared/runbooks/catalog';
import { buildMail } from '../shared/kompira/mail';
import { configuredBase } from '../shared/kompira/path';

/**
 * Management API: render the Kompira notification e-mail (seed 003) for a runbook: an HTML
 * snippet whose button starts it. Without `token`, a dedicated operator key limited to that
 * runbook is minted (the safer default: revoke it with DELETE /api/v1/keys/{keyId}).
 * The response carries the key inside `url` and `html`: that is its purpose.
 */
const BASE = configuredBase();

const MailBody = z
  .object({
    path: RunbookPath.describe('the jobflow path, e.g. /root/restart_process'),
    token: z.string().min(3).max(512).optional().describe('an existing key (keyId:secret) to put in the button; default: mint one'),
    keyRole: z.enum(['operator', 'admin']).default('operator').describe('role of a minted key'),
    subject: z.string().max(200).optional(),
    message: z.string().max(4000).optional(),
    buttonLabel: z.string().max(100).optional(),
    parameters: z.record(z.string(), z.unknown()).optional().describe('parameter values posted by the button (hidden form fields)'),
    format: z.enum(['json', 'html']).default('json').describe('where the button lands: json (the seed: "/process/<id>") or an HTML page'),
  })
  .strict();

const MailResult = z.object({
  path: z.string(),
  runbook: z.string(),
  subject: z.string(),
  url: z.string(),
  html: z.string(),
  keyId: z.string(),
  keyMinted: z.boolean(),
});

route('kompiraMail', {
  methods: ['POST'],
  route: 'api/v1/kompira/mail',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, MailBody);
    const runbook = await catalog.byPath(body.path);
    if (!runbook) throw notFound(`No runbook has the path '${body.path}'.`);
    if (runbook.state !== 'Published')
      throw badRequest(`Runbook '${runbook.name}' is not published; publish it before mailing a button for it.`);
    let token = body.token;
    let keyId: string;
    const minted = token === undefined;
    if (token === undefined) {
      const { key, secret } = await createKey({
        role: body.keyRole,
        runbooks: [runbook.name],
        description: `Kompira e-mail button for ${runbook.path}`,
      });
      token = `${key.keyId}:${secret}`;
      keyId = key.keyId;
    } else {
      const principal = await verifyKey(token);
      if (!principal) throw badRequest("Field 'token' is not a valid API key (keyId:secret).");
      if (!roleAtLeast(principal.role, 'operator'))
        throw badRequest(`Field 'token': key '${principal.id}' has the role ${principal.role}; the button needs operator.`);
      if (!mayUseRunbook(principal, runbook.name))
        throw badRequest(`Field 'token': key '${principal.id}' may not use runbook '${runbook.name}'.`);
      keyId = principal.id;
    }
    const mail = buildMail(runbook, token, { publicUrl: settings().publicUrl, base: BASE }, body);
    return json(
      minted ? 201 : 200,
      { path: runbook.path, runbook: runbook.name, ...mail, keyId, keyMinted: minted },
      { 'Cache-Control': 'no-store' },
    );
  },
  doc: {
    path: '/api/v1/kompira/mail',
    summary: 'Render the notification e-mail whose button starts a runbook (Kompira dialect); mints a limited key unless one is given',
    tag: 'kompira',
    role: 'admin',
    body: MailBody,
    responses: {
      200: { description: 'the e-mail (with the given key)', schema: MailResult },
      201: { description: 'the e-mail, with a newly minted key', schema: MailResult },
      404: { description: 'no runbook has that path' },
    },
  },
});
