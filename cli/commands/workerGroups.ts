/** hookbook worker-groups list|get|create|delete|keys|add-key|revoke-key (docs/hybrid-workers.md) */
import { need, type Group } from '../context';
import { EXIT } from '../errors';
import { printer, table } from '../output';

interface Worker {
  name?: string;
  host?: string;
  version?: string;
  lastSeen?: string;
  runningJobs?: number;
  live?: boolean;
}
interface WorkerGroup {
  name: string;
  description?: string;
  workers?: Worker[];
}
interface Key {
  keyId: string;
  description?: string;
  createdTime?: string;
  key?: string;
}

const enc = encodeURIComponent;

export const workerGroups: Group = {
  async list({ v, api, io }) {
    const { value } = await api.call<{ value: WorkerGroup[] }>('GET', '/api/v1/workerGroups');
    printer(v, io)(value, () =>
      table([
        ['GROUP', 'WORKERS', 'LIVE', 'DESCRIPTION'],
        ...value.map((g) => [
          g.name,
          String(g.workers?.length ?? 0),
          String(g.workers?.filter((w) => w.live).length ?? 0),
          g.description ?? '',
        ]),
      ]),
    );
    return EXIT.ok;
  },

  async get({ pos, v, api, io }) {
    const g = await api.call<WorkerGroup>('GET', `/api/v1/workerGroups/${enc(need(pos, 0, 'group name'))}`);
    printer(v, io)(
      g,
      () =>
        `${g.name}${g.description ? `  ${g.description}` : ''}\n` +
        (g.workers?.length
          ? table([
              ['WORKER', 'HOST', 'VERSION', 'LIVE', 'RUNNING', 'LAST SEEN'],
              ...g.workers.map((w) => [
                w.name ?? '',
                w.host ?? '',
                w.version ?? '',
                w.live ? 'yes' : 'no',
                String(w.runningJobs ?? 0),
                w.lastSeen ?? '',
              ]),
            ])
          : 'no workers yet: start one with hookbook worker (docs/hybrid-workers.md)\n'),
    );
    return EXIT.ok;
  },

  async create({ pos, v, api, io }) {
    const g = await api.workerGroups.create(need(pos, 0, 'group name'), v.description);
    printer(v, io)(g, () => `Worker group ${g.name} created; add a key for its workers: hookbook worker-groups add-key ${g.name}\n`);
    return EXIT.ok;
  },

  async delete({ pos, v, api, io }) {
    const name = need(pos, 0, 'group name');
    await api.call<undefined>('DELETE', `/api/v1/workerGroups/${enc(name)}`);
    printer(v, io)({ name, deleted: true }, () => `Worker group ${name} deleted; its keys are revoked.\n`);
    return EXIT.ok;
  },

  async keys({ pos, v, api, io }) {
    const { value } = await api.call<{ value: Key[] }>('GET', `/api/v1/workerGroups/${enc(need(pos, 0, 'group name'))}/keys`);
    printer(v, io)(value, () =>
      table([['KEY ID', 'CREATED', 'DESCRIPTION'], ...value.map((k) => [k.keyId, k.createdTime ?? '', k.description ?? ''])]),
    );
    return EXIT.ok;
  },

  async 'add-key'({ pos, v, api, io }) {
    const group = need(pos, 0, 'group name');
    const k = await api.workerGroups.createKey(group, v.description);
    printer(v, io)(
      k,
      () =>
        `Registration key for ${group} (shown this once; keep it where the worker reads it):\n${k.key}\nStart a worker: hookbook worker --url <service> --group ${group} --key <the key>\n`,
    );
    return EXIT.ok;
  },

  async 'revoke-key'({ pos, v, api, io }) {
    const group = need(pos, 0, 'group name');
    const keyId = need(pos, 1, 'key id');
    await api.call<undefined>('DELETE', `/api/v1/workerGroups/${enc(group)}/keys/${enc(keyId)}`);
    printer(v, io)({ group, keyId, revoked: true }, () => `Key ${keyId} of ${group} revoked.\n`);
    return EXIT.ok;
  },
};
