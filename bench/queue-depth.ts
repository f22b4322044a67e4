// Cost of one receive (32 messages) and of a delete on Azurite's queue, against the queue's depth.
// `npx tsx bench/queue-depth.ts` (DEPTHS=0,1000,3000 to choose) prints ms per operation at each depth,
// with the local patch and without it (noisy on a busy machine; compare the depths of one run).
import { QueueClient } from '@azure/storage-queue';
import { startAzurite } from '../local/azurite';

async function main() {
  for (const patched of [true, false]) {
    process.env.HOOKBOOK_AZURITE_QUEUE_PATCH = patched ? '1' : '0';
    console.log(patched ? 'Azurite with local/azurite-queue-patch.cjs' : 'Azurite as shipped');
    await measure();
  }
}

async function measure() {
  const az = await startAzurite({ inMemory: process.env.DEPTH_DISK !== '1', dataDir: '/tmp/perf/qd' });
  try {
    const q = new QueueClient(az.connectionString, `depth${Date.now()}`);
    await q.createIfNotExists();
    let depth = 0;
    for (const target of (process.env.DEPTHS ?? '0,1000,3000').split(',').map(Number)) {
      while (depth < target) {
        const n = Math.min(64, target - depth);
        await Promise.all(Array.from({ length: n }, () => q.sendMessage('x'.repeat(200))));
        depth += n;
      }
      const rounds = 10;
      let recvMs = 0;
      let delMs = 0;
      let ops = 0;
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        const got = (await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 })).receivedMessageItems;
        recvMs += performance.now() - t;
        t = performance.now();
        for (const m of got) await q.deleteMessage(m.messageId, m.popReceipt);
        delMs += performance.now() - t;
        ops += got.length;
        // keep the depth: put back what was taken
        await Promise.all(got.map(() => q.sendMessage('x'.repeat(200))));
      }
      console.log(`depth ${target}: receive(32) ${(recvMs / rounds).toFixed(2)} ms, delete ${(delMs / Math.max(1, ops)).toFixed(2)} ms`);
    }
  } finally {
    await az.stop();
  }
}
void main();
