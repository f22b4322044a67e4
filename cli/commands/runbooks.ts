/** hookbook runbooks list|get|create|update|diff|publish|delete */
import { ApiError, type CreateRunbookInput, type Runbook } from '../../client';
import { need, type Group } from '../context';
import { CliError, EXIT } from '../errors';
import { printer, table } from '../output';
import { isObject, parseDeclaration, readFileOr, readJsonArg } from '../parameters';
import { lineDiff } from '../diff';
import type { HookbookClient } from '../../client';

/** The published content, or '' when there is none yet (a runbook never published). */
async function publishedContent(api: HookbookClient, name: string): Promise<string> {
  try {
    return await api.runbooks.content(name, 'published');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return '';
    throw error;
  }
}

export const runbooks: Group = {
  async list({ v, api, io }) {
    const { value } = await api.runbooks.list();
    printer(v, io)(value, () =>
      table([['NAME', 'TYPE', 'STATE', 'VERSION', 'PATH'], ...value.map((r) => [r.name, r.type, r.state, String(r.version), r.path])]),
    );
    return EXIT.ok;
  },

  async get({ pos, v, api, io }) {
    const name = need(pos, 0, 'runbook name');
    const rb: Runbook & { content?: string } = await api.runbooks.get(name);
    if (v.content) {
      rb.content = await api.runbooks.content(name, rb.version ? 'published' : 'draft').catch((error: unknown) => {
        if (error instanceof ApiError) return undefined;
        throw error;
      });
    }
    printer(v, io)(rb, () => {
      const params = (rb.parameters ?? []).map(
        (p) =>
          `  ${p.name}: ${p.type}${p.mandatory ? ' (mandatory)' : ''}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ''}${p.secret ? ' [secret]' : ''}`,
      );
      return (
        [
          `${rb.name}  (${rb.type}, ${rb.state}, version ${rb.version}, ${rb.source})`,
          `path: ${rb.path}`,
          ...(rb.description ? [`description: ${rb.description}`] : []),
          ...(params.length ? ['parameters:', ...params] : ['parameters: none']),
          ...(rb.content !== undefined ? ['--- content ---', rb.content] : []),
        ].join('\n') + '\n'
      );
    });
    return EXIT.ok;
  },

  async create({ pos, v, api, io }) {
    const name = need(pos, 0, 'runbook name');
    const read = v.manifest ? readJsonArg(`@${v.manifest}`, '--manifest') : {};
    // The manifest is passed on as it is: the service checks it and names what is wrong.
    const manifest = (isObject(read) ? read : {}) as Partial<CreateRunbookInput>;
    const type = v.type ?? manifest.type;
    if (!type) throw new CliError('runbooks create needs --type (bash, node, python3 or pwsh).');
    if (!v.file) throw new CliError('runbooks create needs --file <script>.');
    const body = { ...manifest, name, type, content: readFileOr(v.file, '--file') } as CreateRunbookInput;
    if (v.description) body.description = v.description;
    if (v.path) body.path = v.path;
    // Type names are the service's to check (it names a wrong one); the CLI passes them on.
    if (v.declare?.length)
      body.parameters = [...(manifest.parameters ?? []), ...v.declare.map(parseDeclaration)] as CreateRunbookInput['parameters'];
    let rb = await api.runbooks.create(body);
    if (v.publish) rb = await api.runbooks.publish(name);
    printer(v, io)(rb, () => `Runbook ${rb.name} created (${rb.state}${rb.state === 'Published' ? `, version ${rb.version}` : ''}).\n`);
    return EXIT.ok;
  },

  async publish({ pos, v, api, io }) {
    const rb = await api.runbooks.publish(need(pos, 0, 'runbook name'));
    printer(v, io)(rb, () => `Runbook ${rb.name} published as version ${rb.version}.\n`);
    return EXIT.ok;
  },

  /** Saves a new draft from a file, shows what changed against the published version, publishes with --publish. */
  async update({ pos, v, api, io }) {
    const name = need(pos, 0, 'runbook name');
    if (!v.file) throw new CliError('runbooks update needs --file <script>.');
    const content = readFileOr(v.file, '--file');
    const body: Record<string, unknown> = { content };
    if (v.description) body.description = v.description;
    if (v.declare?.length) body.parameters = v.declare.map(parseDeclaration);
    let rb = await api.call<Runbook>('PUT', `/api/v1/runbooks/${encodeURIComponent(name)}/draft`, body);
    const before = await publishedContent(api, name);
    if (v.publish) rb = await api.runbooks.publish(name);
    printer(v, io)(
      rb,
      () =>
        lineDiff(before, content, [`${name} (published${before ? '' : ': none yet'})`, `${name} (draft)`]) +
        (v.publish
          ? `Runbook ${rb.name} published as version ${rb.version}.\n`
          : `Draft saved; publish it with: hookbook runbooks publish ${name}\n`),
    );
    return EXIT.ok;
  },

  async diff({ pos, v, api, io }) {
    const name = need(pos, 0, 'runbook name');
    const [draft, published] = await Promise.all([
      api.runbooks.content(name, 'draft').catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }),
      publishedContent(api, name),
    ]);
    if (draft === undefined) {
      printer(v, io)({ name, draft: null, published }, () => `Runbook ${name} has no draft: the published version is current.\n`);
      return EXIT.ok;
    }
    printer(v, io)({ name, draft, published }, () => lineDiff(published, draft, [`${name} (published)`, `${name} (draft)`]));
    return EXIT.ok;
  },

  async delete({ pos, v, api, io }) {
    const name = need(pos, 0, 'runbook name');
    await api.call<undefined>('DELETE', `/api/v1/runbooks/${encodeURIComponent(name)}`);
    printer(v, io)({ name, deleted: true }, () => `Runbook ${name} deleted (with its webhooks and schedules).\n`);
    return EXIT.ok;
  },
};
