// The job table's layout against real Azurite (docs/performance.md, "Scaling past one partition"):
// jobs spread over the hashed partitions j0..j7, listing newest first across them with our own
// continuation token, and the migration from the single legacy partition 'job' without a copy.
// Each scenario uses its own table prefix: a fresh set of tables, and its own cached layout.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../support/host';
import type { JobRecord } from '../../shared/model/jobRecord';

type Store = typeof import('../../shared/store/jobStore');
type Keys = typeof import('../../shared/store/keys');
type Ids = typeof import('../../shared/jobs/ids');

let azurite: RunningAzurite;
let store: Store;
let keys: Keys;
let ids: Ids;

beforeAll(async () => {
  azurite = await startAzurite();
  process.env.AzureWebJobsStorage = azurite.connectionString;
  store = await import('../../shared/store/jobStore');
  keys = await import('../../shared/store/keys');
  ids = await import('../../shared/jobs/ids');
});
afterAll(async () => {
  await azurite?.stop();
});

const raw = (prefix: string) =>
  TableClient.fromConnectionString(azurite.connectionString, `${prefix}jobs`, { allowInsecureConnection: true });

/** Every entity of the raw table: partition → job ids (the layout row under its own partition). */
async function partitions(prefix: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const e of raw(prefix).listEntities<Record<string, unknown>>()) {
    const list = out.get(e.partitionKey!) ?? [];
    list.push(String(e.jobId ?? e.rowKey));
    out.set(e.partitionKey!, list);
  }
  return out;
}

async function layoutRow(prefix: string): Promise<number> {
  return Number((await raw(prefix).getEntity<Record<string, unknown>>('layout', 'jobs')).shardedSince);
}

const job = (jobId: string, createdMs: number, status: JobRecord['status'] = 'Completed', runbook = 'r'): JobRecord => ({
  jobId,
  runbook,
  runbookVersion: 1,
  status,
  startedBy: 'test',
  createdTime: new Date(createdMs).toISOString(),
  lastModifiedTime: new Date(createdMs).toISOString(),
  attempt: 1,
  parameters: JSON.stringify({ createdMs }),
});

/** Every page of a listing: the ids, and each page's size. */
async function listAll(q: Omit<Parameters<Store['jobStore']['list']>[0], 'continuationToken'>) {
  const seen: string[] = [];
  const sizes: number[] = [];
  let token: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await store.jobStore.list({ ...q, continuationToken: token });
    seen.push(...page.value.map((j) => j.jobId));
    sizes.push(page.value.length);
    token = page.continuationToken;
    if (!token) return { seen, sizes };
  }
  throw new Error('the listing did not end');
}

describe('hashed partitions on a fresh store', () => {
  const base = Date.parse('2026-11-01T00:00:00Z');
  const created: string[] = []; // oldest first
  const failed: string[] = [];

  beforeAll(async () => {
    process.env.HOOKBOOK_TABLE_PREFIX = 'fresh';
    for (let i = 0; i < 37; i++) {
      const id = ids.newJobId(base + i * 1000);
      const status = i % 3 === 0 ? 'Failed' : 'Completed';
      expect((await store.jobStore.create(job(id, base + i * 1000, status))).etag).toBeTruthy();
      created.push(id);
      if (status === 'Failed') failed.push(id);
    }
  });

  it('writes the layout row with shardedSince 0 and spreads the jobs over several shard partitions', async () => {
    expect(await layoutRow('fresh')).toBe(0);
    const byPartition = await partitions('fresh');
    expect([...byPartition.get('layout')!]).toEqual(['jobs']);
    byPartition.delete('layout');
    expect(byPartition.has('job')).toBe(false);
    expect(byPartition.size).toBeGreaterThanOrEqual(4);
    for (const [partition, jobIds] of byPartition) {
      expect(partition).toMatch(/^j[0-7]$/);
      for (const id of jobIds) expect(keys.jobPartition(id, 0)).toBe(partition);
    }
    expect([...byPartition.values()].flat().sort()).toEqual([...created].sort());
  });

  it('the shard is a stable hash of the lower-cased id', () => {
    const id = created[0]!;
    expect(keys.jobShard(id.toUpperCase())).toBe(keys.jobShard(id));
    // FNV-1a of a fixed id: the value must never change (it places stored jobs).
    expect(keys.jobShard('0190f0e0-0000-7000-8000-000000000000')).toBe(keys.jobShard('0190F0E0-0000-7000-8000-000000000000'));
    expect(keys.v7Time('0190f0e0-0000-7000-8000-000000000000')).toBe(0x0190f0e00000);
    expect(keys.v7Time('0190f0e0-0000-4000-8000-000000000000')).toBeUndefined();
    expect(keys.jobPartition('0190f0e0-0000-4000-8000-000000000000', 0)).toBe('job');
    expect(keys.v7Time(ids.deterministicJobId('schedule:x', base))).toBe(base);
  });

  it('lists newest first across the shards, paging by continuation token without gaps or duplicates', async () => {
    const all = await listAll({ top: 5 });
    expect(all.seen).toEqual([...created].reverse());
    expect(all.sizes.slice(0, -1).every((n) => n === 5)).toBe(true);
    expect(all.sizes).toHaveLength(8);

    const one = await store.jobStore.list({ top: 500 });
    expect(one.value.map((j) => j.jobId)).toEqual([...created].reverse());
    expect(one.continuationToken).toBeUndefined();
    expect(one.value[0]!.parameters).toBe(JSON.stringify({ createdMs: base + 36_000 }));
  });

  it('pages a filtered listing the same way (status, and a time window)', async () => {
    const f = await listAll({ top: 5, status: 'Failed' });
    expect(f.seen).toEqual([...failed].reverse());
    expect(f.sizes[0]).toBe(5);
    const window = await listAll({ top: 4, from: new Date(base + 10_000), to: new Date(base + 30_000) });
    expect(window.seen).toEqual(created.slice(10, 31).reverse());
    const none = await store.jobStore.list({ top: 5, runbook: 'other' });
    expect(none).toEqual({ value: [] });
  });

  it('rejects a continuation token it did not give out', async () => {
    const page = await store.jobStore.list({ top: 5 });
    const decoded = JSON.parse(Buffer.from(page.continuationToken!, 'base64url').toString('utf8'));
    expect(decoded).toEqual({ v: 2, after: keys.jobRowKey(created[32]!) });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      'abc',
      '!!!',
      b64({ v: 1, after: decoded.after }),
      b64({ v: 2, after: 'x' }),
      b64({ v: 2, after: `${decoded.after}' or true` }),
      b64({ nextPartitionKey: 'job', nextRowKey: decoded.after }), // the storage SDK's own token (version 1)
    ]) {
      await expect(store.jobStore.list({ top: 5, continuationToken: bad }), bad).rejects.toBeInstanceOf(store.InvalidContinuationToken);
    }
  });

  it('point reads, updates and deletes find each job in its shard; the sweeper and retention scans read every shard', async () => {
    const id = created[5]!;
    const found = await store.jobStore.get(id.toUpperCase());
    expect(found?.value.jobId).toBe(id);
    await store.jobStore.update(id, { statusDetails: 'touched' }, found!.etag);
    expect((await store.jobStore.get(id))?.value.statusDetails).toBe('touched');

    expect((await store.jobStore.withStatus('Failed', base - 1)).map((j) => j.jobId)).toEqual([...failed].reverse());
    expect((await store.jobStore.withStatus('Failed', base + 20_000)).map((j) => j.jobId)).toEqual(
      failed.filter((j) => ids.jobIdTime(j)! > base + 20_000).reverse(),
    );
    // Created before base + 20 s, oldest last, cut at 7: the newest seven of those.
    expect(await store.jobStore.endedIdsBefore(base + 20_000, 7)).toEqual(created.slice(13, 20).reverse());

    const gone = created[36]!;
    await store.jobStore.deleteWithAll(gone);
    expect(await store.jobStore.get(gone)).toBeUndefined();
    created.pop();
    expect((await listAll({ top: 5 })).seen).toEqual([...created].reverse());
  });
});

describe('migration from the legacy partition', () => {
  const legacyIds: string[] = []; // oldest first

  it('keeps legacy jobs where they are, sends new jobs to their shard after shardedSince, and lists both merged', async () => {
    process.env.HOOKBOOK_TABLE_PREFIX = 'mig';
    // The old code's entities: partition 'job', the same row key and properties.
    const t = raw('mig');
    await t.createTable();
    const now = Date.now();
    for (let i = 0; i < 6; i++) {
      const at = now - 3_600_000 + i * 60_000;
      const id = ids.newJobId(at);
      const status = i === 2 ? 'Running' : 'Completed';
      await t.createEntity({ partitionKey: 'job', rowKey: keys.jobRowKey(id), ...job(id, at, status) });
      legacyIds.push(id);
    }

    const before = Date.now();
    const legacyJob = await store.jobStore.get(legacyIds[1]!); // the first use writes the layout row
    const after = Date.now();
    expect(legacyJob?.value).toMatchObject({ jobId: legacyIds[1], status: 'Completed', parameters: expect.stringContaining('createdMs') });
    const since = await layoutRow('mig');
    expect(since).toBeGreaterThanOrEqual(before + store.LAYOUT_LEAD_MS);
    expect(since).toBeLessThanOrEqual(after + store.LAYOUT_LEAD_MS);

    // Old jobs stay readable and updatable in place.
    await store.jobStore.update(legacyIds[1]!, { statusDetails: 'updated by the new code' }, legacyJob!.etag);
    expect((await t.getEntity<Record<string, unknown>>('job', keys.jobRowKey(legacyIds[1]!))).statusDetails).toBe(
      'updated by the new code',
    );

    // A job created now (before shardedSince: instances of the old version may still run) goes to
    // the legacy partition too; one created after it to its shard.
    const duringWindow = ids.newJobId();
    await store.jobStore.create(job(duringWindow, Date.now()));
    const sharded: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = ids.newJobId(since + 1000 + i * 1000);
      await store.jobStore.create(job(id, since + 1000 + i * 1000, i === 1 ? 'Running' : 'Completed'));
      sharded.push(id);
    }
    const byPartition = await partitions('mig');
    expect(byPartition.get('job')!.sort()).toEqual([...legacyIds, duringWindow].sort());
    for (const id of sharded) expect(byPartition.get(keys.jobPartition(id, since))).toContain(id);
    expect(sharded.every((id) => keys.jobPartition(id, since) !== 'job')).toBe(true);

    const everything = [...legacyIds, duringWindow, ...sharded].reverse(); // newest first
    expect((await listAll({ top: 4 })).seen).toEqual(everything);
    expect((await listAll({ top: 2, status: 'Running' })).seen).toEqual([sharded[1], legacyIds[2]]);
    // A window that starts after shardedSince leaves the legacy partition out and still finds the new jobs.
    expect((await listAll({ top: 3, from: new Date(since) })).seen).toEqual([...sharded].reverse());

    expect((await store.jobStore.withStatus('Running', now - 86_400_000)).map((j) => j.jobId)).toEqual([sharded[1], legacyIds[2]]);
    expect(await store.jobStore.endedIdsBefore(since + 2500, 3)).toEqual([sharded[0], duringWindow, legacyIds[5]]);

    await store.jobStore.deleteWithAll(legacyIds[0]!);
    expect(await store.jobStore.get(legacyIds[0]!)).toBeUndefined();
    expect((await listAll({ top: 5 })).seen).toEqual(everything.slice(0, -1));
  });

  it('of two instances writing the layout row at once, both use the winner', async () => {
    process.env.HOOKBOOK_TABLE_PREFIX = 'race';
    const t = raw('race');
    await t.createTable();
    const old = ids.newJobId(Date.now() - 60_000);
    await t.createEntity({ partitionKey: 'job', rowKey: keys.jobRowKey(old), ...job(old, Date.now() - 60_000) });
    // Two copies of the store module: two processes, each with its own cache.
    const one = store.jobStore;
    vi.resetModules();
    const two = (await import('../../shared/store/jobStore')).jobStore;
    expect(two).not.toBe(one);
    const later = ids.newJobId(Date.now() + store.LAYOUT_LEAD_MS + 60_000);
    const [a, b] = await Promise.all([one.create(job(later, Date.now())), two.get(old)]);
    expect(a.etag).toBeTruthy();
    expect(b?.value.jobId).toBe(old);
    const since = await layoutRow('race');
    expect(since).toBeGreaterThan(Date.now());
    // Both agree where `later` lives.
    expect((await two.get(later))?.value.jobId).toBe(later);
    expect((await one.get(later))?.value.jobId).toBe(later);
    expect((await partitions('race')).get(keys.jobPartition(later, since))).toEqual([later]);
  });
});
