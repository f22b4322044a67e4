import { ApiKey } from '../model/apiKey';
import { table } from './clients';
import { jsonRows } from './jsonRows';
import { KEY_PARTITION } from './keys';

/** Table "keys": partition "key", row key = key id; only the SHA-256 of the secret is stored. */
const PK = KEY_PARTITION;
const rows = jsonRows('keys');

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
    return rows.create(entity);
  },

  async get(keyId: string): Promise<StoredKey | undefined> {
    const e = await rows.get<{ json: string; secretHash: string }>(PK, keyId);
    return e && { key: ApiKey.parse(JSON.parse(e.json)), secretHash: e.secretHash };
  },

  list: (): Promise<ApiKey[]> => rows.list(PK, (v) => ApiKey.parse(v)),

  delete: (keyId: string): Promise<boolean> => rows.delete(PK, keyId),
};
