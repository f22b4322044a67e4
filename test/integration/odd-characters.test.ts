// Every odd character class end to end over the real local host and Azurite: in stream text
// (printed by bash as raw bytes, and by node as strings), in parameters, in webhook bodies. What is
// stored and read back is exactly what was sent; a lone surrogate (which UTF-8 cannot carry) is
// U+FFFD. Afterwards storage keeps working: a plain job still has all its streams. (Azurite 3.35
// cuts batch bodies at U+2028/U+2029; see docs/storage-encoding.md.) JSON values (parameters,
// results) are stored as JSON text and come back exactly as sent, escapes included.
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { api, uniqueName, type Api } from '../support/api';
import { http } from '../support/http';

let a: Api;
beforeAll(() => {
  a = api(inject('hookbookUrl'), inject('hookbookAdminKey'));
});

/** sent → what must be stored (only lone surrogates change). */
const ODD: [label: string, sent: string, stored: string][] = [
  ['U+2028', 'line\u2028separator', 'line\u2028separator'],
  ['U+2029', 'para\u2029separator', 'para\u2029separator'],
  ['U+2028 after braces', 'x{a}\u2028{"k":1}', 'x{a}\u2028{"k":1}'],
  ['NUL', 'n\u0000ul', 'n\u0000ul'],
  ['CR alone', 'cr\ronly', 'cr\ronly'],
  ['BOM', '\ufeffbom', '\ufeffbom'],
  ['emoji', 'ok \u{1F600} \u{1F44D}\u{1F3FD}', 'ok \u{1F600} \u{1F44D}\u{1F3FD}'],
  ['RTL', 'שלום \u202eעולם\u202c مرحبا', 'שלום \u202eעולם\u202c مرحبا'],
  ['NEL and controls', 'a\u0085b\u001bc\u007f', 'a\u0085b\u001bc\u007f'],
  ['lone high surrogate', 'x\ud800y', 'x\ufffdy'],
  ['lone low surrogate', 'x\udfffy', 'x\ufffdy'],
  ['escaped-looking text', '\\u2028 and \\ud800', '\\u2028 and \\ud800'],
];

const byType = (streams: any[], t: string) => streams.filter((s) => s.streamType === t).map((s) => s.streamText);

async function runToEnd(name: string, parameters: Record<string, unknown> = {}) {
  const started = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters });
  expect(started.status, started.text).toBe(202);
  const job = await a.waitForStatus(started.json.jobId, ['Completed', 'Failed', 'Stopped'], 90_000);
  const streams = (await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`)).json.value;
  return { job, streams };
}

describe('odd characters are stored exactly', () => {
  it('in stream text printed by a node runbook, in its parameters and in its result', async () => {
    const name = await a.createRunbook({
      name: uniqueName('odd-node'),
      type: 'node',
      parameters: [
        { name: 'texts', type: 'array' },
        { name: 'one', type: 'string' },
      ],
      content:
        'module.exports = async ({ texts, one }, ctx) => { for (const t of texts) ctx.output(t); ctx.warning(one); return { texts, one }; };',
    });
    const sent = ODD.map(([, s]) => s);
    const stored = ODD.map(([, , s]) => s);
    const one = ODD.map(([, s]) => s).join('|');
    const { job, streams } = await runToEnd(name, { texts: sent, one });
    expect(job.status).toBe('Completed');
    expect(job.statusDetails ?? '').not.toMatch(/not saved/);
    expect(job.streamsLost).toBeUndefined();
    expect(byType(streams, 'Output')).toEqual(stored);
    expect(byType(streams, 'Warning')).toEqual([stored.join('|')]);
    // JSON values (parameters, result) are stored as JSON text: a lone surrogate stays the escape it
    // was sent as (ASCII in storage), so they come back exactly as sent.
    expect(job.parameters).toEqual({ texts: sent, one });
    expect(job.result).toEqual({ texts: sent, one });
  });

  it('in stream text printed by bash as raw bytes (one batch, every class in it)', async () => {
    const lines = [
      "printf 'first\\n'",
      "printf 'x\\342\\200\\250y\\n'", // U+2028 as UTF-8
      "printf 'p\\342\\200\\251q\\n'", // U+2029
      'printf \'{"a":1}\\342\\200\\250{"b":2}\\n\'',
      "printf 'n\\000ul\\n'",
      "printf 'cr\\ronly\\n'",
      "printf '\\357\\273\\277bom\\n'",
      "printf '\\360\\237\\230\\200 emoji\\n'",
      "printf '\\355\\240\\200 surrogate bytes\\n'", // CESU-8 of U+D800: not UTF-8, decoded as U+FFFD
      "printf 'last\\n'",
    ];
    const name = await a.createRunbook({ name: uniqueName('odd-bash'), type: 'bash', content: lines.join('\n') + '\n' });
    const { job, streams } = await runToEnd(name);
    expect(job.status).toBe('Completed');
    expect(job.streamsLost).toBeUndefined();
    const out = byType(streams, 'Output');
    expect(out.slice(0, 9)).toEqual([
      'first',
      'x\u2028y',
      'p\u2029q',
      '{"a":1}\u2028{"b":2}',
      'n\u0000ul',
      'cr\ronly',
      '\ufeffbom',
      '\u{1F600} emoji',
      out[8],
    ]);
    expect(out[8]).toMatch(/^\ufffd+ surrogate bytes$/);
    expect(out[9]).toBe('last');
    // The RealmJoin dialect answers the same records.
    const rj = await a.call('GET', `/api/external/runbook/jobs/${job.jobId}/output/text`);
    expect(rj.text).toBe(out.join('\n'));
  });

  it('in webhook bodies (raw bytes, JSON escapes) as WebhookData.RequestBody', async () => {
    const rb = await a.createRunbook({
      name: uniqueName('odd-hook'),
      type: 'node',
      parameters: [{ name: 'WebhookData', type: 'object' }],
      content: 'module.exports = async ({ WebhookData }, ctx) => { ctx.output(WebhookData.RequestBody); return WebhookData.RequestBody; };',
    });
    const hook = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('odd'), runbook: rb });
    expect(hook.status, hook.text).toBe(201);
    const texts = ODD.filter(([label]) => !label.startsWith('lone')).map(([, s]) => s);
    const body = JSON.stringify({ issue: { title: texts.join(' / ') } }).replace(/\u2028/g, '\u2028'); // raw U+2028 in the JSON, as GitHub may send it
    for (const raw of [body, `{"escaped":"\\u2028 \\ud800 \\u0000"}`]) {
      const r = await http(hook.json.uri, hook.json.uri, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: raw });
      expect(r.status, r.text).toBe(202);
      const job = await a.waitForStatus(r.json.JobIds[0], ['Completed', 'Failed'], 90_000);
      expect(job.status).toBe('Completed');
      expect(job.result).toBe(raw);
      const streams = (await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`)).json.value;
      expect(byType(streams, 'Output')).toEqual([raw]);
    }
    // Invalid UTF-8 in a body becomes U+FFFD, as any UTF-8 decoder makes it.
    const bytes = Buffer.concat([Buffer.from('a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('b')]);
    const r = await http(hook.json.uri, hook.json.uri, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: bytes });
    expect(r.status, r.text).toBe(202);
    const job = await a.waitForStatus(r.json.JobIds[0], ['Completed', 'Failed'], 90_000);
    expect(job.result).toMatch(/^a\ufffd+b$/);
  });

  it('in free text fields (a runbook description), kept exactly as sent', async () => {
    const description = ODD.map(([, s]) => s).join(' ');
    const name = uniqueName('odd-desc');
    const r = await a.call('POST', '/api/v1/runbooks', { name, type: 'bash', content: 'echo hi', description });
    expect(r.status, r.text).toBe(201);
    expect((await a.call('GET', `/api/v1/runbooks/${name}`)).json.description).toBe(description);
  });

  it('names reject them with 400 (names are plain ASCII)', async () => {
    for (const [, s] of ODD) {
      const r = await a.call('POST', '/api/v1/runbooks', { name: `rb${s}`, type: 'bash', content: 'echo' });
      expect(r.status).toBe(400);
    }
  });

  it('storage keeps working afterwards: a later job still has its streams, batches still work', async () => {
    const name = await a.createRunbook({
      name: uniqueName('after-odd'),
      type: 'bash',
      content: 'for i in 1 2 3 4 5; do echo "line $i"; done\n',
    });
    const { job, streams } = await runToEnd(name);
    expect(job.status).toBe('Completed');
    expect(byType(streams, 'Output')).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    const health = await http(a.url, '/api/health');
    expect(health.status).toBe(200);
  });
});
