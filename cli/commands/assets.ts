/** hookbook variables|credentials|connections list|get|set|delete (docs/assets.md) */
import { ApiError, type HookbookClient } from '../../client';
import type { Values } from '../args';
import { need, type Command, type Group } from '../context';
import { CliError, EXIT } from '../errors';
import { printer, table } from '../output';
import { readSecret } from '../prompt';

type Kind = 'variables' | 'credentials' | 'connections';

interface Asset {
  name: string;
  description?: string;
  lastModifiedTime?: string;
  lastModifiedBy?: string;
  type?: string;
  encrypted?: boolean;
  value?: unknown;
  userName?: string;
  connectionType?: string;
  fields?: Record<string, unknown>;
  secretFields?: string[];
}

const enc = encodeURIComponent;
const path = (kind: Kind, name?: string) => `/api/v1/assets/${kind}${name === undefined ? '' : `/${enc(name)}`}`;

/** Creates the asset, or updates it when the name exists (409): `set` is both. */
async function upsert(
  api: HookbookClient,
  kind: Kind,
  create: Record<string, unknown>,
  update: Record<string, unknown>,
): Promise<[Asset, string]> {
  try {
    return [await api.call<Asset>('POST', path(kind), create), 'created'];
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    return [await api.call<Asset>('PATCH', path(kind, String(create.name)), update), 'updated'];
  }
}

/** A variable's value from the command line, typed: strings as they are, the other types as JSON. */
function typedValue(raw: string, type: string | undefined): unknown {
  if (!type || type === 'string' || type === 'datetime') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new CliError(`The value '${raw}' is not valid JSON (a ${type} variable's value is JSON): ${(error as Error).message}`);
  }
}

function describe(kind: Kind, a: Asset): string {
  const lines = [`${a.name}${a.description ? `  ${a.description}` : ''}`];
  if (kind === 'variables')
    lines.push(
      `type: ${a.type}${a.encrypted ? ', encrypted (the value is never shown)' : ''}`,
      ...(a.encrypted ? [] : [`value: ${JSON.stringify(a.value)}`]),
    );
  if (kind === 'credentials') lines.push(`user name: ${a.userName}`, 'password: (never shown)');
  if (kind === 'connections') {
    lines.push(`type: ${a.connectionType}`);
    for (const [k, val] of Object.entries(a.fields ?? {})) lines.push(`  ${k}: ${JSON.stringify(val)}`);
    for (const k of a.secretFields ?? []) lines.push(`  ${k}: (secret, never shown)`);
  }
  lines.push(`modified: ${a.lastModifiedTime ?? ''} by ${a.lastModifiedBy ?? ''}`);
  return lines.join('\n') + '\n';
}

function common(kind: Kind, columns: (a: Asset) => string[], header: string[]): Group {
  return {
    async list({ v, api, io }) {
      const { value } = await api.call<{ value: Asset[] }>('GET', path(kind));
      printer(v, io)(value, () =>
        table([['NAME', ...header, 'MODIFIED'], ...value.map((a) => [a.name, ...columns(a), a.lastModifiedTime ?? ''])]),
      );
      return EXIT.ok;
    },
    async get({ pos, v, api, io }) {
      const a = await api.call<Asset>('GET', path(kind, need(pos, 0, 'name')));
      printer(v, io)(a, () => describe(kind, a));
      return EXIT.ok;
    },
    async delete({ pos, v, api, io }) {
      const name = need(pos, 0, 'name');
      await api.call<undefined>('DELETE', path(kind, name));
      printer(v, io)({ name, deleted: true }, () => `${kind.slice(0, -1)} ${name} deleted.\n`.replace(/^./, (c) => c.toUpperCase()));
      return EXIT.ok;
    },
  };
}

const said = (kind: Kind, a: Asset, how: string) => `${kind.slice(0, -1).replace(/^./, (c) => c.toUpperCase())} ${a.name} ${how}.\n`;

export const variables: Group = {
  ...common('variables', (a) => [a.type ?? '', a.encrypted ? '***' : JSON.stringify(a.value)], ['TYPE', 'VALUE']),
  /** `-` as the value: prompted for (or read from stdin), for an encrypted variable's secret. */
  async set({ pos, v, api, io }) {
    const name = need(pos, 0, 'variable name');
    const given = need(pos, 1, "value (or '-' to type it at a prompt or pipe it)");
    const raw = given === '-' ? await readSecret(io, `Value of ${name}`) : given;
    // An existing variable keeps its type (fixed at creation): the value is typed as that, and changed.
    const existing = await api.call<Asset>('GET', path('variables', name)).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    });
    const value = typedValue(raw, existing?.type ?? v.type);
    const description = v.description ? { description: v.description } : {};
    const [a, how]: [Asset, string] = existing
      ? [await api.call<Asset>('PATCH', path('variables', name), { value, ...description }), 'updated']
      : [
          await api.call<Asset>('POST', path('variables'), {
            name,
            value,
            ...(v.type ? { type: v.type } : {}),
            ...(v.encrypted ? { encrypted: true } : {}),
            ...description,
          }),
          'created',
        ];
    printer(v, io)(a, () => said('variables', a, how));
    return EXIT.ok;
  },
};

export const credentials: Group = {
  ...common('credentials', (a) => [a.userName ?? ''], ['USER NAME']),
  /** The password from a prompt or standard input (--password-stdin), never the command line. */
  async set({ pos, v, api, io }) {
    const name = need(pos, 0, 'credential name');
    if (!v.user)
      throw new CliError('credentials set needs --user <userName> (the password is prompted for, or read with --password-stdin).');
    const password = await readSecret(io, `Password for ${v.user}`, v['password-stdin']);
    const description = v.description ? { description: v.description } : {};
    const [a, how] = await upsert(
      api,
      'credentials',
      { name, userName: v.user, password, ...description },
      { userName: v.user, password, ...description },
    );
    printer(v, io)(a, () => said('credentials', a, how));
    return EXIT.ok;
  },
};

/** `-F Field=value`; `-F Field=-` reads that field like a password (one such field at most). */
async function fields(v: Values, io: Command['io']): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const raw of v.field ?? []) {
    const i = raw.indexOf('=');
    if (i <= 0) throw new CliError(`-F '${raw}': use Field=value (or Field=- to type a secret at a prompt).`);
    const name = raw.slice(0, i);
    const value = raw.slice(i + 1);
    out[name] = value === '-' ? await readSecret(io, name) : value;
  }
  return out;
}

export const connections: Group = {
  ...common(
    'connections',
    (a) => [
      a.connectionType ?? '',
      Object.keys(a.fields ?? {})
        .concat(a.secretFields ?? [])
        .join(','),
    ],
    ['TYPE', 'FIELDS'],
  ),
  async set({ pos, v, api, io }) {
    const name = need(pos, 0, 'connection name');
    const f = await fields(v, io);
    const description = v.description ? { description: v.description } : {};
    const create = {
      name,
      connectionType: v.type,
      fields: f,
      ...(v['secret-field']?.length ? { secretFields: v['secret-field'] } : {}),
      ...description,
    };
    if (!v.type) {
      // Without --type only an existing connection can be changed.
      const a = await api.call<Asset>('PATCH', path('connections', name), { fields: f, ...description });
      printer(v, io)(a, () => said('connections', a, 'updated'));
      return EXIT.ok;
    }
    const [a, how] = await upsert(api, 'connections', create, { fields: f, ...description });
    printer(v, io)(a, () => said('connections', a, how));
    return EXIT.ok;
  },
};
