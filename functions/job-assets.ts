import { z } from 'zod';
import type { HttpRequest } from '@azure/functions';
import { readJson } from '../shared/http/body';
import { badRequest, conflict } from '../shared/http/errors';
import { AssetChangedError } from '../shared/store/assetStore';
import { json, text } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { AssetName } from '../shared/model/asset';
import { verifyJobToken } from '../shared/assets/jobToken';
import { asText, readConnection, readCredential, readVariable, writeVariable } from '../shared/assets/jobRead';

/**
 * What a running job calls with its job token (`Authorization: Bearer $HOOKBOOK_JOB_TOKEN`, the
 * service at `$HOOKBOOK_URL`): the asset helpers shipped with the runner (docs/assets.md) use these.
 * `?format=text` answers the bare value as text (for shell scripts; `field` picks a credential's
 * `userName`/`password` or a connection's field). Never cached, never logged.
 */
const NO_STORE = { 'Cache-Control': 'no-store' };
const security = ['bearer'];

function nameParam(req: HttpRequest): string {
  const name = req.params.name ?? '';
  const parsed = AssetName.safeParse(name);
  if (!parsed.success) throw badRequest(`asset name '${name}': ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return name;
}
const SetBody = z.object({ value: z.unknown() }).strict();
const asTextFormat = (req: HttpRequest) => req.query.get('format') === 'text';

const params = { name: AssetName };
const query = {
  format: { schema: z.enum(['json', 'text']), description: 'text: the bare value as text/plain (for shell scripts)' },
  field: {
    schema: z.string(),
    description: 'with format=text: which field (a credential: userName or password, default password; a connection: a field name)',
  },
};
const undeclared = {
  403: { description: "the job's runbook does not declare this asset in its manifest (the detail names the manifest field)" },
};
const answers = (schema: z.ZodType, what: string) => ({
  200: { description: `${what} (format=text: the bare value)`, content: { 'application/json': schema, 'text/plain': z.string() } },
  ...undeclared,
});

route('jobAssetVariableGet', {
  methods: ['GET'],
  route: 'api/v1/job/variables/{name}',
  handler: async (req) => {
    const scope = await verifyJobToken(req.headers.get('authorization'));
    const v = await readVariable(scope, nameParam(req));
    return asTextFormat(req) ? text(200, asText(v.value), NO_STORE) : json(200, v, NO_STORE);
  },
  doc: {
    path: '/api/v1/job/variables/{name}',
    params,
    query: { format: query.format },
    summary: 'A running job reads a declared variable with its job token (reads of encrypted ones are audited)',
    tag: 'job assets',
    security,
    responses: answers(z.object({ name: z.string(), type: z.string(), encrypted: z.boolean(), value: z.unknown() }), 'the variable'),
  },
});

route('jobAssetVariableSet', {
  methods: ['PUT'],
  route: 'api/v1/job/variables/{name}',
  handler: async (req) => {
    const scope = await verifyJobToken(req.headers.get('authorization'));
    const name = nameParam(req);
    const body = await readJson(req, SetBody);
    const written = await writeVariable(scope, name, body.value).catch((error: unknown) => {
      throw error instanceof AssetChangedError ? conflict(`${error.message}; retry.`) : error;
    });
    return json(200, written, NO_STORE);
  },
  doc: {
    path: '/api/v1/job/variables/{name}',
    params,
    summary: 'A running job writes a variable its runbook declares in assets.writeVariables (Set-AutomationVariable)',
    tag: 'job assets',
    security,
    body: SetBody,
    responses: {
      200: {
        description: 'written; `encrypted` tells the helper to mask the new value',
        schema: z.object({ name: z.string(), encrypted: z.boolean() }),
      },
      403: { description: 'the runbook does not declare the variable in assets.writeVariables' },
      409: { description: 'written by someone else at the same moment: retry' },
    },
  },
});

route('jobAssetCredential', {
  methods: ['GET'],
  route: 'api/v1/job/credentials/{name}',
  handler: async (req) => {
    const scope = await verifyJobToken(req.headers.get('authorization'));
    const c = await readCredential(scope, nameParam(req));
    if (!asTextFormat(req)) return json(200, c, NO_STORE);
    const field = req.query.get('field') ?? 'password';
    if (field !== 'userName' && field !== 'password') throw badRequest(`query 'field' must be userName or password, not '${field}'.`);
    return text(200, c[field], NO_STORE);
  },
  doc: {
    path: '/api/v1/job/credentials/{name}',
    params,
    query,
    summary: 'A running job reads a declared credential with its job token (audited)',
    tag: 'job assets',
    security,
    responses: answers(z.object({ name: z.string(), userName: z.string(), password: z.string() }), 'the credential'),
  },
});

route('jobAssetConnection', {
  methods: ['GET'],
  route: 'api/v1/job/connections/{name}',
  handler: async (req) => {
    const scope = await verifyJobToken(req.headers.get('authorization'));
    const c = await readConnection(scope, nameParam(req));
    if (!asTextFormat(req)) return json(200, { name: c.name, connectionType: c.connectionType, fields: c.fields }, NO_STORE);
    const field = req.query.get('field');
    if (!field || !(field in c.fields))
      throw badRequest(`query 'field' must name one of the connection's fields: ${Object.keys(c.fields).join(', ')}.`);
    return text(200, asText(c.fields[field]), NO_STORE);
  },
  doc: {
    path: '/api/v1/job/connections/{name}',
    params,
    query,
    summary: 'A running job reads a declared connection with its job token (audited when it has secret fields)',
    tag: 'job assets',
    security,
    responses: answers(
      z.object({ name: z.string(), connectionType: z.string(), fields: z.record(z.string(), z.unknown()) }),
      'the connection',
    ),
  },
});
