import { odata } from '@azure/data-tables';
import { RegistrationKey, WorkerGroup, WorkerInfo } from '../model/workerGroup';
import { table } from './clients';
import { hasStatus } from './errors';
import { REGISTRATION_KEY_PARTITION, WORKER_GROUP_PARTITION, workerPartition } from './keys';

/**
 * Table "workers": hybrid worker groups, the workers that said hello to them, and the groups'
 * registration keys (only the SHA-256 of a key's secret is stored).
 */
export interface StoredRegistrationKey {
  key: RegistrationKey;
  secretHash: string;
}

async function createRow(entity: { partitionKey: string; rowKey: string } & Record<string, unknown>): Promise<boolean> {
  const t = await table('workers');
  try {
    await t.createEntity(entity);
    return true;
  } catch (error) {
    if (hasStatus(error, 409)) return false;
    throw error;
  }
}

async function deleteRow(pk: string, rk: string): Promise<boolean> {
  const t = await table('workers');
  try {
    await t.deleteEntity(pk, rk);
    return true;
  } catch (error) {
    if (hasStatus(error, 404)) return false;
    throw error;
  }
}

async function listJson<T>(pk: string, parse: (v: unknown) => T, extra?: string): Promise<T[]> {
  const t = await table('workers');
  const filter = extra ? `${odata`PartitionKey eq ${pk}`} and ${extra}` : odata`PartitionKey eq ${pk}`;
  const out: T[] = [];
  for await (const e of t.listEntities<{ json: string }>({ queryOptions: { filter, select: ['json'] } }))
    out.push(parse(JSON.parse(e.json)));
  return out;
}

export const workerStore = {
  /** False when a group with that name exists. */
  createGroup: (g: WorkerGroup) => createRow({ partitionKey: WORKER_GROUP_PARTITION, rowKey: g.name, json: JSON.stringify(g) }),

  async getGroup(name: string): Promise<WorkerGroup | undefined> {
    const t = await table('workers');
    try {
      const e = await t.getEntity<{ json: string }>(WORKER_GROUP_PARTITION, name);
      return WorkerGroup.parse(JSON.parse(e.json));
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  listGroups: () => listJson(WORKER_GROUP_PARTITION, (v) => WorkerGroup.parse(v)),

  /** Removes the group row only; the caller removes its workers and keys first. */
  deleteGroup: (name: string) => deleteRow(WORKER_GROUP_PARTITION, name),

  /** Record what a worker said (hello, poll): last writer wins, it is the worker's own row. */
  async putWorker(group: string, w: WorkerInfo): Promise<void> {
    const t = await table('workers');
    await t.upsertEntity({ partitionKey: workerPartition(group), rowKey: w.name, json: JSON.stringify(w) }, 'Replace');
  },

  async getWorker(group: string, name: string): Promise<WorkerInfo | undefined> {
    const t = await table('workers');
    try {
      const e = await t.getEntity<{ json: string }>(workerPartition(group), name);
      return WorkerInfo.parse(JSON.parse(e.json));
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  listWorkers: (group: string) => listJson(workerPartition(group), (v) => WorkerInfo.parse(v)),
  deleteWorker: (group: string, name: string) => deleteRow(workerPartition(group), name),

  putKey: (k: StoredRegistrationKey) =>
    createRow({
      partitionKey: REGISTRATION_KEY_PARTITION,
      rowKey: k.key.keyId,
      group: k.key.group,
      json: JSON.stringify(k.key),
      secretHash: k.secretHash,
    }),

  async getKey(keyId: string): Promise<StoredRegistrationKey | undefined> {
    const t = await table('workers');
    try {
      const e = await t.getEntity<{ json: string; secretHash: string }>(REGISTRATION_KEY_PARTITION, keyId);
      return { key: RegistrationKey.parse(JSON.parse(e.json)), secretHash: e.secretHash };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  listKeys: (group: string) => listJson(REGISTRATION_KEY_PARTITION, (v) => RegistrationKey.parse(v), odata`group eq ${group}`),
  deleteKey: (keyId: string) => deleteRow(REGISTRATION_KEY_PARTITION, keyId),
};
