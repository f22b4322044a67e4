import { randomBytes } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { SourceControl, SyncRun, type SyncMessage } from '../model/sourceControl';
import { queue, table } from './clients';
import { hasStatus } from './errors';
import { jsonRows } from './jsonRows';
import { joinProperty, splitProperty } from './chunks';
import { SOURCE_CONTROL_PARTITION, sourceControlRowKey, sourceSyncPartition } from './keys';

/**
 * Source controls (docs/source-control.md): table "sourcecontrols" holds each source (`json`), its
 * push secret sealed (`sealedSecret`) and the lease of the sync that holds it (`leaseRunId`,
 * `leaseUntil`: one sync of a source at a time, taken under the row's ETag). Table "sourcesyncs"
 * records each sync run; queue "source-syncs" carries the syncs to run, so that an accepted sync
 * survives a restart.
 */
export const SOURCE_SYNC_QUEUE = 'source-syncs';

const sources = jsonRows('sourcecontrols');
const runs = jsonRows('sourcesyncs');

interface SourceRow {
  json: string;
  sealedSecret?: string;
  leaseRunId?: string;
  leaseUntil?: number;
  etag: string;
}

/** Run ids sort newest first: ten-thousand-years minus now, then a random tail. */
export const newSyncRunId = (): string => `${String(1e13 - Date.now()).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;

export const sourceControlStore = {
  async create(s: SourceControl, sealedSecret: string): Promise<boolean> {
    return sources.create({
      partitionKey: SOURCE_CONTROL_PARTITION,
      rowKey: sourceControlRowKey(s.name),
      json: JSON.stringify(s),
      sealedSecret,
    });
  },

  async get(name: string): Promise<{ source: SourceControl; sealedSecret?: string } | undefined> {
    const row = await sources.get<SourceRow>(SOURCE_CONTROL_PARTITION, sourceControlRowKey(name));
    return row ? { source: SourceControl.parse(JSON.parse(row.json)), sealedSecret: row.sealedSecret } : undefined;
  },

  async list(): Promise<SourceControl[]> {
    return sources.list(SOURCE_CONTROL_PARTITION, (v) => SourceControl.parse(v));
  },

  /** Replace the source's document, leaving its secret and lease as they are. */
  async update(s: SourceControl): Promise<void> {
    const t = await table('sourcecontrols');
    await t.updateEntity({ partitionKey: SOURCE_CONTROL_PARTITION, rowKey: sourceControlRowKey(s.name), json: JSON.stringify(s) }, 'Merge');
  },

  async delete(name: string): Promise<boolean> {
    return sources.delete(SOURCE_CONTROL_PARTITION, sourceControlRowKey(name));
  },

  /**
   * Take the source's sync lease for `runId` until `seconds` from now; false while another run
   * holds an unexpired one (or won the race for it).
   */
  async takeLease(name: string, runId: string, seconds: number): Promise<{ taken: boolean; holder?: string }> {
    const t = await table('sourcecontrols');
    const row = await sources.get<SourceRow>(SOURCE_CONTROL_PARTITION, sourceControlRowKey(name));
    if (!row) return { taken: false };
    if (row.leaseRunId && row.leaseRunId !== runId && (row.leaseUntil ?? 0) > Date.now()) return { taken: false, holder: row.leaseRunId };
    try {
      await t.updateEntity(
        {
          partitionKey: SOURCE_CONTROL_PARTITION,
          rowKey: sourceControlRowKey(name),
          leaseRunId: runId,
          leaseUntil: Date.now() + seconds * 1000,
        },
        'Merge',
        { etag: row.etag },
      );
      return { taken: true };
    } catch (error) {
      if (hasStatus(error, 412) || hasStatus(error, 404)) return { taken: false };
      throw error;
    }
  },

  async releaseLease(name: string, runId: string): Promise<void> {
    const t = await table('sourcecontrols');
    const row = await sources.get<SourceRow>(SOURCE_CONTROL_PARTITION, sourceControlRowKey(name));
    if (!row || row.leaseRunId !== runId) return;
    try {
      await t.updateEntity(
        { partitionKey: SOURCE_CONTROL_PARTITION, rowKey: sourceControlRowKey(name), leaseRunId: '', leaseUntil: 0 },
        'Merge',
        {
          etag: row.etag,
        },
      );
    } catch (error) {
      if (!hasStatus(error, 412) && !hasStatus(error, 404)) throw error;
    }
  },

  async putRun(run: SyncRun): Promise<void> {
    const t = await table('sourcesyncs');
    // A run's log can pass a Table property's 32 K characters: it is split over json, json_1, ...
    const e: Record<string, unknown> = { partitionKey: sourceSyncPartition(run.sourceControl), rowKey: run.runId };
    splitProperty('json', JSON.stringify(run), e);
    await t.upsertEntity(e as never, 'Replace');
  },

  async getRun(name: string, runId: string): Promise<SyncRun | undefined> {
    const row = await runs.get<{ json: string }>(sourceSyncPartition(name), runId);
    return row ? SyncRun.parse(JSON.parse(joinProperty('json', row)!)) : undefined;
  },

  /** The newest `top` runs of a source. */
  async listRuns(name: string, top: number): Promise<SyncRun[]> {
    const t = await table('sourcesyncs');
    const out: SyncRun[] = [];
    const pages = t
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${sourceSyncPartition(name)}` } })
      .byPage({ maxPageSize: top });
    for await (const page of pages) {
      for (const e of page) if (out.length < top) out.push(SyncRun.parse(JSON.parse(joinProperty('json', e)!)));
      break;
    }
    return out;
  },

  async deleteRuns(name: string): Promise<void> {
    const t = await table('sourcesyncs');
    const pk = sourceSyncPartition(name);
    for await (const e of t.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ['RowKey'] } }))
      await t.deleteEntity(pk, e.rowKey!).catch(() => undefined);
  },

  /** Queue a sync (base64 JSON, as the Functions host decodes queue messages); `delaySeconds` to retry later. */
  async enqueue(m: SyncMessage, delaySeconds = 0): Promise<void> {
    const q = await queue(SOURCE_SYNC_QUEUE);
    await q.sendMessage(Buffer.from(JSON.stringify(m), 'utf8').toString('base64'), {
      visibilityTimeout: delaySeconds || undefined,
      messageTimeToLive: -1,
    });
    if (!delaySeconds) process.emit('hookbook:queue-sent' as never, SOURCE_SYNC_QUEUE as never);
  },
};
