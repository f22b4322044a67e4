import { odata } from '@azure/data-tables';
import { table } from './clients';
import { hasStatus } from './errors';

/**
 * Rows that hold a JSON document in `json` (and maybe a few more fields, such as a secret's hash):
 * the verbs the key and worker stores share, on the table `base`.
 */
export function jsonRows(base: string) {
  return {
    /** False when a row with those keys exists. */
    async create(entity: { partitionKey: string; rowKey: string } & Record<string, unknown>): Promise<boolean> {
      const t = await table(base);
      try {
        await t.createEntity(entity);
        return true;
      } catch (error) {
        if (hasStatus(error, 409)) return false;
        throw error;
      }
    },

    /** The row's fields, or undefined when there is none. */
    async get<E extends { json: string }>(pk: string, rk: string): Promise<E | undefined> {
      const t = await table(base);
      try {
        return await t.getEntity<E>(pk, rk);
      } catch (error) {
        if (hasStatus(error, 404)) return undefined;
        throw error;
      }
    },

    /** The parsed `json` of every row of partition `pk` (and `extra`, an OData filter). */
    async list<T>(pk: string, parse: (v: unknown) => T, extra?: string): Promise<T[]> {
      const t = await table(base);
      const filter = extra ? `${odata`PartitionKey eq ${pk}`} and ${extra}` : odata`PartitionKey eq ${pk}`;
      const out: T[] = [];
      for await (const e of t.listEntities<{ json: string }>({ queryOptions: { filter, select: ['json'] } }))
        out.push(parse(JSON.parse(e.json)));
      return out;
    },

    /** False when there was no such row. */
    async delete(pk: string, rk: string): Promise<boolean> {
      const t = await table(base);
      try {
        await t.deleteEntity(pk, rk);
        return true;
      } catch (error) {
        if (hasStatus(error, 404)) return false;
        throw error;
      }
    },
  };
}
