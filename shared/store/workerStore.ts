import { odata } from '@azure/data-tables';
import { RegistrationKey, WorkerGroup, WorkerInfo } from '../model/workerGroup';
import { table } from './clients';
import { jsonRows } from './jsonRows';
import { REGISTRATION_KEY_PARTITION, WORKER_GROUP_PARTITION, workerPartition } from './keys';

/**
 * Table "workers": hybrid worker groups, the workers that said hello to them, and the groups'
 * registration keys (only the SHA-256 of a key's secret is stored).
 */
export interface StoredRegistrationKey {
  key: RegistrationKey;
  secretHash: string;
}

const rows = jsonRows('workers');

export const workerStore = {
  /** False when a group with that name exists. */
  createGroup: (g: WorkerGroup) => rows.create({ partitionKey: WORKER_GROUP_PARTITION, rowKey: g.name, json: JSON.stringify(g) }),

  async getGroup(name: string): Promise<WorkerGroup | undefined> {
    const e = await rows.get(WORKER_GROUP_PARTITION, name);
    return e && WorkerGroup.parse(JSON.parse(e.json));
  },

  listGroups: () => rows.list(WORKER_GROUP_PARTITION, (v) => WorkerGroup.parse(v)),

  /** Removes the group row only; the caller removes its workers and keys first. */
  deleteGroup: (name: string) => rows.delete(WORKER_GROUP_PARTITION, name),

  /** Record what a worker said (hello, poll): last writer wins, it is the worker's own row. */
  async putWorker(group: string, w: WorkerInfo): Promise<void> {
    const t = await table('workers');
    await t.upsertEntity({ partitionKey: workerPartition(group), rowKey: w.name, json: JSON.stringify(w) }, 'Replace');
  },

  async getWorker(group: string, name: string): Promise<WorkerInfo | undefined> {
    const e = await rows.get(workerPartition(group), name);
    return e && WorkerInfo.parse(JSON.parse(e.json));
  },

  listWorkers: (group: string) => rows.list(workerPartition(group), (v) => WorkerInfo.parse(v)),
  deleteWorker: (group: string, name: string) => rows.delete(workerPartition(group), name),

  putKey: (k: StoredRegistrationKey) =>
    rows.create({
      partitionKey: REGISTRATION_KEY_PARTITION,
      rowKey: k.key.keyId,
      group: k.key.group,
      json: JSON.stringify(k.key),
      secretHash: k.secretHash,
    }),

  async getKey(keyId: string): Promise<StoredRegistrationKey | undefined> {
    const e = await rows.get<{ json: string; secretHash: string }>(REGISTRATION_KEY_PARTITION, keyId);
    return e && { key: RegistrationKey.parse(JSON.parse(e.json)), secretHash: e.secretHash };
  },

  listKeys: (group: string) => rows.list(REGISTRATION_KEY_PARTITION, (v) => RegistrationKey.parse(v), odata`group eq ${group}`),
  deleteKey: (keyId: string) => rows.delete(REGISTRATION_KEY_PARTITION, keyId),
};
