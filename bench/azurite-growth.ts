// `npx tsx bench/azurite-growth.ts [jobs...]`: how the local host's disk mode grows with retained
// jobs (docs/job-lifecycle.md, "Durability of the local host"). Azurite keeps every table row in
// memory (LokiJS) and each save rewrites the whole file, so the file size, Azurite's memory and
// the time of one save grow with the jobs kept. Each retained job is written as the host writes
// one: a job entity (~1.5 KB with parameters) and STREAMS records of ~150 bytes in one batch.
// "save" is the time to serialize and write that file once, as LokiJS does on every autosave
// (JSON.stringify of the whole database, then a file write and rename). A measurement, no assertion.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { startAzurite } from '../local/azurite';

const STREAMS = Number(process.env.GROWTH_STREAMS ?? 20);
const steps = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const targets = steps.length ? steps : [1000, 5000, 20000];

const rssMb = (pid: number) =>
  Number(
    execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
      .toString()
      .trim(),
  ) / 1024;

void (async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-growth-'));
  const azurite = await startAzurite({ inMemory: false, dataDir, saveIntervalMs: 5000 });
  const opts = { allowInsecureConnection: true };
  const jobs = TableClient.fromConnectionString(azurite.connectionString, 'jobs', opts);
  const streams = TableClient.fromConnectionString(azurite.connectionString, 'streams', opts);
  await jobs.createTable();
  await streams.createTable();
  const params = JSON.stringify({ UserName: 'someone@contoso.com', Revoke: true, Note: 'x'.repeat(1000) });
  let written = 0;
  console.log('| retained jobs | table file | Azurite table RSS | one save (serialize + write) |');
  console.log('|---:|---:|---:|---:|');
  for (const target of targets) {
    const t0 = Date.now();
    while (written < target) {
      const id = `job-${String(written).padStart(8, '0')}`;
      await jobs.createEntity({
        partitionKey: 'jobs',
        rowKey: id,
        status: 'Completed',
        runbook: 'rjgit-user_security_revoke-or-restore-access',
        parameters: params,
        createdTime: new Date().toISOString(),
      });
      const actions: TransactionAction[] = [];
      for (let i = 0; i < STREAMS; i++)
        actions.push([
          'upsert',
          {
            partitionKey: id,
            rowKey: String(i).padStart(10, '0'),
            time: new Date().toISOString(),
            streamType: 'Output',
            summary: `line ${i} of the output`,
            streamText: `line ${i} of the output: ${'y'.repeat(80)}`,
          },
          'Replace',
        ]);
      await streams.submitTransaction(actions);
      written++;
    }
    // Let an autosave land, then measure the file it wrote.
    await new Promise((r) => setTimeout(r, 3000));
    const dir = path.join(dataDir, 'azurite');
    const file = readdirSync(dir)
      .map((f) => path.join(dir, f))
      .filter((f) => /table.*\.json$/i.test(f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const text = readFileSync(file, 'utf8');
    const parsed = JSON.parse(text);
    const s0 = process.hrtime.bigint();
    const out = JSON.stringify(parsed);
    writeFileSync(`${file}.bench~`, out);
    renameSync(`${file}.bench~`, `${file}.bench`);
    const saveMs = Number(process.hrtime.bigint() - s0) / 1e6;
    console.log(
      `| ${target} | ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB | ${rssMb(azurite.pids[1]!).toFixed(0)} MB | ${saveMs.toFixed(0)} ms | (written in ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  await azurite.stop();
  rmSync(dataDir, { recursive: true, force: true });
})();
