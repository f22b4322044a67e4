import { odata } from '@azure/data-tables';
import { ApiKey } from '../model/apiKey';
import { table } from './clients';
import { hasStatus } from './errors';
import { KEY_PARTITION } from './keys';

/** Table "keys": partition "key", row key = key id; only the SHA-256 of the secret is stored. */
const PK = KEY_PARTITION;

export interface StoredKey {
  key: ApiKey;
  secretHash: string;
}

export const keyStore = {
  async put(k: StoredKey, overwrite: boolean): Promise<boolean> {
    const t = await table('keys');
    const entity = { partitionKey: PK, rowKey: k.key.keyId, json: JSON.stringify(k.key), secretHash: k.secretHash };
    if (overwrite) {
      await t.upsertEntity(entity, 'Replace');
      return true;
    }
    try {
      await t.createEntity(entity);
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  },

  async get(keyId: string): Promise<StoredKey | undefined> {
    const t = await table('keys');
    try {
      const e = await t.getEntity<{ json: string; secretHash: string }>(PK, keyId);
      return { key: ApiKey.parse(JSON.parse(e.json)), secretHash: e.secretHash };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  async list(): Promise<ApiKey[]> {
    const t = await table('keys');
    const out: ApiKey[] = [];
    for await (const e of t.listEntities<{ json: string }>({ queryOptions: { filter: odata`PartitionKey eq ${PK}`, select: ['json'] } })) {
      out.push(ApiKey.parse(JSON.parse(e.json)));
    }
    return out;
  },

  async delete(keyId: string): Promise<boolean> {
    const t = await table('keys');
    try {
      await t.deleteEntity(PK, keyId);
      return true;
    } catch (error) {
      if (hasStatus(error, 404)) return false;
      throw error;
    }
  },
};
