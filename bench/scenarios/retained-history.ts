/**
 * 7. Retained history (issue 28): the local host in disk mode holding 0 / 10,000 / 50,000 finished
 * jobs (and 200 jobs of 1 MiB output each): synchronous `run` at c=1 (p50, p99), webhook ingest at
 * c=16, Azurite's table memory, disk and start-up time, and the retention cleaner's capacity.
 *
 * Seeding 50,000 jobs through the API would take longer than the measurement, so each store is
 * written directly: a template job is run on the real host (runbook, webhook, a 5-line bash job),
 * Azurite is stopped, and its table database gets `n` copies of that job (entity and stream rows,
 * new ids spread over the last 28 days, so the default 30-day retention keeps them) written as
 * the snapshot local/azurite-table-patch.cjs reads. Then Azurite and the host start on it and are
 * measured; the retention capacity is measured last, on a child process running the cleaner with a
 * clock a year ahead (everything is due), since it deletes the history.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, openSync, writeSync, closeSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzurite, type Azurite } from '../../local/azurite';
import { newJobId } from '../../shared/jobs/ids';
import { jobPartition, jobRowKey } from '../../shared/store/keys';
import { packEntities } from '../../shared/store/streamStore';
import { benchHost, post, postHook, type BenchHost } from '../host';
import { vmRssMb } from '../machine';
import { load, mean, r1, sleep, type Load } from '../measure';
import { log, PHASE_MS, QUICK, repoRoot } from '../settings';

const TABLE_DB = '__azurite_db_table__.json';
const DAY = 86_400_000;

export interface HistoryLevel {
  label: string;
  jobs: number;
  /** Stream rows per seeded job and the characters of each. */
  lines: number;
  lineChars: number;
  azuriteStartMs: number;
  run: Load;
  ingest: Load;
  /** Azurite's table process after the load, and its files (snapshot and journal). */
  tableRssMb: number;
  tableDiskMb: number;
  /** Jobs the retention cleaner deleted per second (everything due), undefined for an empty store. */
  retentionPerSecond?: number;
}

export interface RetainedHistory {
  patched: boolean;
  levels: HistoryLevel[];
}

type Doc = Record<string, unknown> & { PartitionKey?: string; RowKey?: string; properties?: Record<string, unknown>; $loki?: number };
interface Collection {
  name: string;
  data: Doc[];
  maxId: number;
  [k: string]: unknown;
}
interface Database {
  collections: Collection[];
  [k: string]: unknown;
}

function tableDiskMb(dataDir: string): number {
  const dir = path.join(dataDir, 'azurite');
  return readdirSync(dir)
    .filter((f) => f.startsWith(TABLE_DB))
    .reduce((n, f) => n + statSync(path.join(dir, f)).size / 1024 / 1024, 0);
}

/** The table database as Azurite would load it (snapshot and journal), by the patch's own reader. */
function readTables(file: string): Database {
  const req = createRequire(__filename);
  const { JournalAdapter } = req('../../local/azurite-table-patch.cjs') as {
    JournalAdapter: new () => { readDatabase(f: string): Database };
  };
  return new JournalAdapter().readDatabase(file);
}

/** Write `db` as a snapshot with no journal after it (streamed: 50,000 jobs do not fit one string comfortably). */
function writeTables(file: string, db: Database): void {
  const dir = path.dirname(file);
  for (const f of readdirSync(dir)) if (f.startsWith(`${TABLE_DB}.journal.`)) rmSync(path.join(dir, f));
  const fd = openSync(`${file}~bench`, 'w');
  const { collections, ...top } = db;
  writeSync(fd, `${JSON.stringify({ ...top, hookbookJournalFrom: 1 }).slice(0, -1)},"collections":[`);
  collections.forEach((c, i) => {
    const { data, ...header } = c;
    writeSync(fd, `${i ? ',' : ''}${JSON.stringify(header).slice(0, -1)},"data":[`);
    for (let j = 0; j < data.length; j += 2000)
      writeSync(
        fd,
        `${j ? ',' : ''}${data
          .slice(j, j + 2000)
          .map((d) => JSON.stringify(d))
          .join(',')}`,
      );
    writeSync(fd, ']}');
  });
  writeSync(fd, ']}');
  closeSync(fd);
  renameSync(`${file}~bench`, file);
}

/** Add `n` copies of the store's one finished job, `lines` stream rows of `lineChars` each. */
function seed(file: string, n: number, lines: number, lineChars: number): void {
  const db = readTables(file);
  let jobs: Collection | undefined;
  let template: Doc | undefined;
  for (const c of db.collections) {
    const found = c.data.find((d) => d.properties?.status === 'Completed' && typeof d.properties?.jobId === 'string');
    if (found) [jobs, template] = [c, found];
  }
  if (!jobs || !template) throw new Error('retained history: the template job is not in the table database');
  const templateId = String(template.properties!.jobId);
  const streams = db.collections.find((c) => c !== jobs && c.data.some((d) => d.PartitionKey === templateId));
  const rowTemplate = streams?.data.find((d) => d.PartitionKey === templateId);
  if (!streams || !rowTemplate) throw new Error('retained history: the template job has no stream rows');
  const now = Date.now();
  const text = 'x'.repeat(lineChars);
  const meta = { revision: 0, created: now, version: 0 };
  for (let i = 0; i < n; i++) {
    const created = now - 29 * DAY + Math.floor((i * 28 * DAY) / n);
    const id = newJobId(created);
    const [pk, rk] = [jobPartition(id, 0), jobRowKey(id)];
    const t = new Date(created).toISOString();
    const e = new Date(created + 20).toISOString();
    jobs.data.push({
      ...template,
      PartitionKey: pk,
      RowKey: rk,
      properties: {
        ...template.properties,
        PartitionKey: pk,
        RowKey: rk,
        jobId: id,
        createdTime: t,
        startTime: t,
        endTime: e,
        lastModifiedTime: e,
        streamCount: lines,
      },
      $loki: ++jobs.maxId,
      meta,
    });
    // As the host writes them: records packed many to a row, one write per 1,000 records (streamStore).
    const base = Object.fromEntries(
      Object.entries(rowTemplate.properties!).filter(([k]) => !/^(records(_\d+|_n)?|pack|streamText|summary|time|streamType)$/.test(k)),
    );
    for (let s = 0; s < lines; s += 1000) {
      const rows = Array.from({ length: Math.min(1000, lines - s) }, (_, k) => ({
        seq: s + k,
        attempt: 1,
        time: e,
        streamType: 'Output' as const,
        summary: text.slice(0, 256),
        streamText: text,
      }));
      for (const { partitionKey, rowKey, ...props } of packEntities(id, rows)) {
        const [pkey, rkey] = [String(partitionKey), String(rowKey)];
        streams.data.push({
          ...rowTemplate,
          PartitionKey: pkey,
          RowKey: rkey,
          properties: { ...base, ...props, PartitionKey: pkey, RowKey: rkey },
          $loki: ++streams.maxId,
          meta,
        });
      }
    }
  }
  writeTables(file, db);
}

/** Jobs the cleaner deletes per second with everything due, in a child process (the core reads its settings once). */
function retentionCapacity(connectionString: string, seconds: number): Promise<number> {
  const script = path.join(repoRoot, 'bench', 'retention-capacity.ts');
  const child = spawn(process.execPath, [require.resolve('tsx/cli', { paths: [repoRoot] }), script, String(seconds)], {
    // Rounds of 100 so that the budget (checked between rounds) holds on a slow store too.
    env: { ...process.env, AzureWebJobsStorage: connectionString, HOOKBOOK_LOG_TRANSITIONS: 'false', HOOKBOOK_RETENTION_BATCH: '100' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  // A round that does not finish within minutes is a finding too: reported as NaN (not measured).
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? Number(JSON.parse(out).perSecond) : NaN);
    }),
  );
}

interface Prepared {
  label: string;
  jobs: number;
  lines: number;
  lineChars: number;
  dataDir: string;
  az: Azurite;
  c: BenchHost;
  azuriteStartMs: number;
  runOp: () => Promise<boolean>;
  hookOp: () => Promise<boolean>;
}

const runOpOf = (h: BenchHost) => async () =>
  (await post(`${h.host.url}/api/external/runbook/sync/run`, '{}', h.api.authHeaders)).status === 200;

/** Until every job created since `from` on that host has ended (at most 120 s). */
async function drained(c: BenchHost, from: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let open = 0;
    let token: string | undefined;
    do {
      const page = await c.api.jobs.list({ from, top: 500, continuationToken: token });
      open += page.value.filter((j) => !['Completed', 'Failed', 'Stopped'].includes(j.status)).length;
      token = page.continuationToken ?? undefined;
    } while (token);
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error(`retained history: ${open} ingested jobs still open after 120 s`);
    await sleep(250);
  }
}

/** A host on a store holding `jobs` finished jobs, started and warmed up. */
export async function prepare(label: string, jobs: number, lines: number, lineChars: number): Promise<Prepared> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-history-'));
  const env = { HOOKBOOK_BOOTSTRAP_KEY: `bench-admin:${randomBytes(18).toString('base64url')}`, HOOKBOOK_LOG_TRANSITIONS: 'false' };
  let az: Azurite | undefined;
  let c: BenchHost | undefined;
  try {
    // The template: a real runbook, webhook and finished job, written by the host itself.
    az = await startAzurite({ inMemory: false, dataDir });
    c = await benchHost({ storage: 'external', connectionString: az.connectionString, env });
    await c.runbook('sync', 'bash', 'for i in 1 2 3 4 5; do echo "line $i of the output"; done');
    const hook = new URL(await c.webhook('history', 'sync'));
    if (!(await runOpOf(c)())) throw new Error('retained history: the template run failed');
    await c.stop();
    c = undefined;
    await az.stop();
    az = undefined;
    if (jobs > 0) {
      const t0 = Date.now();
      seed(path.join(dataDir, 'azurite', TABLE_DB), jobs, lines, lineChars);
      log(`history ${label}: seeded in ${r1((Date.now() - t0) / 1000)} s`);
    }
    const t0 = Date.now();
    az = await startAzurite({ inMemory: false, dataDir });
    const azuriteStartMs = Date.now() - t0;
    c = await benchHost({ storage: 'external', connectionString: az.connectionString, env });
    const runOp = runOpOf(c);
    for (let i = 0; i < 5; i++) await runOp(); // warm-up: first spawn, clients, caches
    // The webhook's URI names the first host's address; the token is what counts.
    const hookOp = postHook(`${c.host.url}${hook.pathname}${hook.search}`);
    return { label, jobs, lines, lineChars, dataDir, az, c, azuriteStartMs, runOp, hookOp };
  } catch (error) {
    await c?.stop().catch(() => undefined);
    await az?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export async function release(p: Prepared): Promise<void> {
  await p.c.stop().catch(() => undefined);
  await p.az.stop().catch(() => undefined);
  rmSync(p.dataDir, { recursive: true, force: true });
}

/**
 * BENCH_HISTORY_LEVELS=0,10000,50000 (default; QUICK: 0,2000,10000), BENCH_HISTORY_BIG=0 leaves out
 * the 200 jobs of 1 MiB. HOOKBOOK_AZURITE_TABLE_PATCH=0 measures Azurite's table persistence as shipped.
 *
 * Every level's host runs at the same time and the load phases alternate between them (four rounds),
 * so that each ratio against the empty store compares the same machine load: a shared 2-core
 * machine's load moves more between minutes than these figures do between levels.
 */
export async function retainedHistory(): Promise<RetainedHistory> {
  const counts = (process.env.BENCH_HISTORY_LEVELS ?? (QUICK ? '0,2000,10000' : '0,10000,50000')).split(',').map(Number);
  const specs: Array<[string, number, number, number]> = counts.map((n) => [n === 0 ? 'empty' : `${n} jobs`, n, 5, 24]);
  // 1 MiB of output each, as 1,024 records of 1 KiB (the stream cap, HOOKBOOK_STREAM_CAP_BYTES).
  if (process.env.BENCH_HISTORY_BIG !== '0') specs.push(['200 × 1 MiB', 200, 1024, 1024]);
  const prepared: Prepared[] = [];
  try {
    for (const [label, n, lines, chars] of specs) prepared.push(await prepare(label, n, lines, chars));
    const runs = prepared.map((): Load[] => []);
    const ingests = prepared.map((): Load[] => []);
    // Each run phase is long enough for a save or two (every 2 s): a save that blocks Azurite shows in the p99.
    for (let round = 0; round < 4; round++) {
      for (const [i, p] of prepared.entries()) runs[i]!.push(await load(1, PHASE_MS / 2, p.runOp));
      for (const [i, p] of prepared.entries()) {
        const from = new Date(Date.now() - 1000).toISOString();
        ingests[i]!.push(await load(16, PHASE_MS / 4, p.hookOp));
        // The jobs an ingest phase accepted run after it: the next phase (another host's) must not
        // compete with them, or every level but the first measures the one before it.
        await drained(p.c, from);
      }
    }
    const levels: HistoryLevel[] = [];
    for (const [i, p] of prepared.entries()) {
      const tableRssMb = vmRssMb(p.az.pids[1]!);
      await p.c.stop();
      const tableDisk = tableDiskMb(p.dataDir);
      const retentionPerSecond = p.jobs > 0 ? await retentionCapacity(p.az.connectionString, QUICK ? 3 : 8) : undefined;
      const [run, ingest] = [mean(runs[i]!), mean(ingests[i]!)];
      log(
        `history ${p.label}: run c=1 p50 ${r1(run.p50ms)} ms p99 ${r1(run.p99ms)} ms (${r1(run.perSecond)}/s); ingest c=16 ${r1(ingest.perSecond)}/s; ` +
          `Azurite table ${r1(tableRssMb)} MB, ${r1(tableDisk)} MB on disk, started in ${p.azuriteStartMs} ms` +
          (retentionPerSecond !== undefined ? `; retention ${r1(retentionPerSecond)} jobs/s` : ''),
      );
      levels.push({
        label: p.label,
        jobs: p.jobs,
        lines: p.lines,
        lineChars: p.lineChars,
        azuriteStartMs: p.azuriteStartMs,
        run,
        ingest,
        tableRssMb,
        tableDiskMb: tableDisk,
        retentionPerSecond,
      });
    }
    return { patched: process.env.HOOKBOOK_AZURITE_TABLE_PATCH !== '0', levels };
  } finally {
    for (const p of prepared) await release(p);
  }
}

/** The scenario's table: each level beside the empty store (ratios from the same run). */
export function historyReport(h: RetainedHistory): string {
  const empty = h.levels.find((l) => l.jobs === 0) ?? h.levels[0]!;
  const lines = [
    `\nRetained history (disk mode${h.patched ? '' : ', Azurite table persistence as shipped'}; ratios against the empty store, same run)\n`,
    '| retained | `run` c=1 p50 | p99 | webhook ingest c=16 | Azurite table RSS | table files | Azurite start | retention capacity |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const l of h.levels) {
    const x = (a: number, b: number) => (l === empty ? '' : ` (${(a / b).toFixed(2)}×)`);
    lines.push(
      `| ${l.label} | ${r1(l.run.p50ms)} ms${x(l.run.p50ms, empty.run.p50ms)} | ${r1(l.run.p99ms)} ms${x(l.run.p99ms, empty.run.p99ms)} | ` +
        `${r1(l.ingest.perSecond)}/s${x(l.ingest.perSecond, empty.ingest.perSecond)} | ${r1(l.tableRssMb)} MB | ${r1(l.tableDiskMb)} MB | ${l.azuriteStartMs} ms | ` +
        `${l.retentionPerSecond === undefined ? '' : `${r1(l.retentionPerSecond)} jobs/s (creation: ${r1(l.ingest.perSecond)}/s ingest, ${r1(l.run.perSecond)}/s run)`} |`,
    );
  }
  const per1000 = h.levels.filter((l) => l.jobs >= 1000 && l.lines === 5);
  for (const l of per1000)
    lines.push(
      `\n${l.label}: ${r1(((l.tableRssMb - empty.tableRssMb) * 1000) / l.jobs)} MB of Azurite memory and ${r1(((l.tableDiskMb - empty.tableDiskMb) * 1000) / l.jobs)} MB of disk per 1,000 retained jobs`,
    );
  return `${lines.join('\n')}\n`;
}
