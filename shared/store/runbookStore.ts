import { odata } from '@azure/data-tables';
import { Runbook, RunbookDefinition, type RunbookVersion } from '../model/runbook';
import { table } from './clients';
import { hasStatus } from './errors';
import { RUNBOOK_META_ROW, runbookVersionRowKey } from './keys';
import { joinProperty, splitProperty } from './chunks';

/**
 * Table "runbooks" for runbooks created through the API: partition = name; row `meta` holds the
 * runbook and its draft (content included); row `v<version>` freezes each published version, so
 * that a job queued before a later publish still runs the version it was started with.
 */
const META = RUNBOOK_META_ROW;
const versionKey = runbookVersionRowKey;

export interface StoredRunbook {
  runbook: Runbook;
  draftContent?: string;
  etag: string;
}

function toMeta(r: Runbook, draftContent?: string): Record<string, unknown> {
  const e: Record<string, unknown> = { partitionKey: r.name, rowKey: META, json: JSON.stringify(r) };
  if (draftContent !== undefined) splitProperty('draftContent', draftContent, e);
  return e;
}

export const runbookStore = {
  async create(r: Runbook, draftContent?: string): Promise<boolean> {
    const t = await table('runbooks');
    try {
      await t.createEntity(toMeta(r, draftContent) as never);
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  },

  async get(name: string): Promise<StoredRunbook | undefined> {
    const t = await table('runbooks');
    try {
      const e = await t.getEntity<Record<string, unknown>>(name, META);
      return { runbook: Runbook.parse(JSON.parse(String(e.json))), draftContent: joinProperty('draftContent', e), etag: e.etag };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  async replace(r: Runbook, draftContent: string | undefined, etag: string): Promise<void> {
    const t = await table('runbooks');
    await t.updateEntity(toMeta(r, draftContent) as never, 'Replace', { etag });
  },

  async list(): Promise<Runbook[]> {
    const t = await table('runbooks');
    const out: Runbook[] = [];
    const iter = t.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`RowKey eq ${META}`, select: ['json'] } });
    for await (const e of iter) out.push(Runbook.parse(JSON.parse(String(e.json))));
    return out;
  },

  async putVersion(v: RunbookVersion): Promise<void> {
    const t = await table('runbooks');
    const e: Record<string, unknown> = { partitionKey: v.name, rowKey: versionKey(v.version), definition: JSON.stringify(v.definition) };
    if (v.commit) e.commit = v.commit;
    splitProperty('content', v.content, e);
    await t.upsertEntity(e as never, 'Replace');
  },

  async getVersion(name: string, version: number): Promise<RunbookVersion | undefined> {
    const t = await table('runbooks');
    try {
      const e = await t.getEntity<Record<string, unknown>>(name, versionKey(version));
      return {
        name,
        version,
        definition: RunbookDefinition.parse(JSON.parse(String(e.definition))),
        content: joinProperty('content', e) ?? '',
        ...(typeof e.commit === 'string' ? { commit: e.commit } : {}),
      };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  async delete(name: string): Promise<void> {
    const t = await table('runbooks');
    const keys: string[] = [];
    for await (const e of t.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${name}`, select: ['RowKey'] } }))
      keys.push(e.rowKey!);
    for (let i = 0; i < keys.length; i += 100) {
      await t.submitTransaction(keys.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey: name, rowKey }]));
    }
  },
};
