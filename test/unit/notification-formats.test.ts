// The notification formats (issue 23), each checked against what its receiver holds it to:
// Standard Webhooks by the `standardwebhooks` and `svix` libraries; Teams' Adaptive Card against the
// required shape of the published Adaptive Card schema 1.4 (adaptivecards.io/schemas/adaptive-card.json)
// and Microsoft's incoming-webhook envelope; Slack against Block Kit's documented fields and limits.
// And the address rules that keep notifications off loopback, link-local and private networks.
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { newStandardSecret, standardHeaders } from '../../shared/notify/standardWebhooks';
import { githubHeaders, githubSignature } from '../../shared/notify/github';
import { jobNotice } from '../../shared/notify/payload';
import { teamsMessage } from '../../shared/notify/teams';
import { slackMessage } from '../../shared/notify/slack';
import { refusedLiteral, refusedRange } from '../../shared/notify/address';
import type { Job } from '../../shared/model/job';

const job: Job = {
  jobId: '01a24be5-4cb3-7afa-9f0f-00ada965a5bd',
  runbook: 'rjgit-user_security_revoke-or-restore-access',
  runbookVersion: 3,
  parameters: { UserName: 'someone@contoso.com', Token: '***' },
  status: 'Failed',
  exception: "User 'x' not found <b>&</b>",
  startedBy: 'webhook:alerts',
  createdTime: '2026-12-06T10:00:00.000Z',
  startTime: '2026-12-06T10:00:01.000Z',
  endTime: '2026-12-06T10:00:05.000Z',
  lastModifiedTime: '2026-12-06T10:00:05.000Z',
  attempt: 2,
};
const notice = jobNotice('job.failed', 'msg_abc', job, ['line 1', 'line 2 with *stars*'], 'https://hookbook.example');

// The parts of the Adaptive Card 1.4 schema this card uses: the top-level card (type, version,
// body, actions; no other properties), TextBlock (text required), FactSet (facts of title/value),
// Action.OpenUrl (url required), with the enumerations the schema gives for the hints used.
const adaptiveCard14 = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'version', 'body'],
  properties: {
    $schema: { type: 'string', format: 'uri' },
    type: { const: 'AdaptiveCard' },
    version: { type: 'string', pattern: '^1\\.[0-9]$' },
    body: {
      type: 'array',
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'text'],
            properties: {
              type: { const: 'TextBlock' },
              text: { type: 'string' },
              wrap: { type: 'boolean' },
              weight: { enum: ['Default', 'Lighter', 'Bolder'] },
              size: { enum: ['Default', 'Small', 'Medium', 'Large', 'ExtraLarge'] },
              color: { enum: ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'] },
              fontType: { enum: ['Default', 'Monospace'] },
              spacing: { enum: ['Default', 'None', 'Small', 'Medium', 'Large', 'ExtraLarge', 'Padding'] },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'facts'],
            properties: {
              type: { const: 'FactSet' },
              facts: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['title', 'value'],
                  properties: { title: { type: 'string' }, value: { type: 'string' } },
                },
              },
            },
          },
        ],
      },
    },
    actions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'url'],
        properties: { type: { const: 'Action.OpenUrl' }, url: { type: 'string' }, title: { type: 'string' } },
      },
    },
  },
};
// Microsoft's "Send Adaptive Cards using an Incoming Webhook": a message with one card attachment.
const teamsEnvelope = {
  type: 'object',
  required: ['type', 'attachments'],
  properties: {
    type: { const: 'message' },
    attachments: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['contentType', 'content'],
        properties: {
          contentType: { const: 'application/vnd.microsoft.card.adaptive' },
          contentUrl: { type: 'null' },
          content: adaptiveCard14,
        },
      },
    },
  },
};
// Block Kit: the blocks a message may carry here, with their documented limits.
const plainText = (max: number) => ({
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { const: 'plain_text' }, text: { type: 'string', minLength: 1, maxLength: max }, emoji: { type: 'boolean' } },
});
const textObject = (max: number) => ({
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { enum: ['mrkdwn', 'plain_text'] }, text: { type: 'string', minLength: 1, maxLength: max } },
});
const slackMessageSchema = {
  type: 'object',
  required: ['text', 'blocks'],
  properties: {
    text: { type: 'string', minLength: 1 },
    blocks: {
      type: 'array',
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'text'],
            properties: { type: { const: 'header' }, text: plainText(150) },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type'],
            anyOf: [{ required: ['text'] }, { required: ['fields'] }],
            properties: {
              type: { const: 'section' },
              text: textObject(3000),
              fields: { type: 'array', maxItems: 10, items: textObject(2000) },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'elements'],
            properties: {
              type: { const: 'actions' },
              elements: {
                type: 'array',
                maxItems: 25,
                items: {
                  type: 'object',
                  required: ['type', 'text'],
                  properties: { type: { const: 'button' }, text: plainText(75), url: { type: 'string', maxLength: 3000 } },
                },
              },
            },
          },
        ],
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

describe('notification formats', () => {
  it('standard-webhooks headers verify with standardwebhooks and svix, with one or two secrets', () => {
    const [a, b] = [newStandardSecret(), newStandardSecret()];
    const body = JSON.stringify(notice);
    for (const secrets of [[a], [b, a]]) {
      const headers = standardHeaders(secrets, 'msg_abc', body);
      for (const s of secrets) {
        expect(new StandardWebhook(s).verify(body, headers)).toEqual(notice);
        expect(new SvixWebhook(s).verify(body, headers)).toEqual(notice);
      }
    }
    const headers = standardHeaders([a], 'msg_abc', body);
    expect(() => new StandardWebhook(b).verify(body, headers)).toThrow();
    expect(() => new StandardWebhook(a).verify(body.replace('Failed', 'Complet'), headers)).toThrow();
    // A timestamp outside the receivers' tolerance (5 minutes) is refused by them: ours is now.
    expect(() => new StandardWebhook(a).verify(body, standardHeaders([a], 'msg_abc', body, Date.now() - 3600_000))).toThrow();
  });

  it("github: sha256=<hex HMAC of the body>; during an overlap the previous secret's in the header, the new one's beside it", () => {
    const h1 = githubHeaders(['new-secret'], 'msg_abc', 'job.failed', 'body');
    expect(h1['X-Hub-Signature-256']).toBe(githubSignature('new-secret', 'body'));
    expect(h1['X-Hub-Signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const h2 = githubHeaders(['new-secret', 'old-secret'], 'msg_abc', 'job.failed', 'body');
    expect(h2['X-Hub-Signature-256']).toBe(githubSignature('old-secret', 'body'));
    expect(h2['X-Hookbook-Signature-256-New']).toBe(githubSignature('new-secret', 'body'));
    expect(h2['X-GitHub-Delivery']).toBe('msg_abc');
  });

  it('teams: an incoming-webhook message with an Adaptive Card of schema 1.4', () => {
    const m = teamsMessage(notice);
    const valid = ajv.validate(teamsEnvelope, m);
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors)).toEqual([]);
    expect(valid).toBe(true);
    const card = (m.attachments as any[])[0].content;
    expect(card.version).toBe('1.4');
    expect(JSON.stringify(card)).toContain(job.exception);
    expect(card.actions[0].url).toBe(`https://hookbook.example/ui/#/jobs/${job.jobId}`);
    // The schema holds: an unknown property on the card is refused by it.
    expect(
      ajv.validate(teamsEnvelope, { ...m, attachments: [{ ...(m.attachments as any[])[0], content: { ...card, colour: 'red' } }] }),
    ).toBe(false);
  });

  it('slack: text and Block Kit blocks within their limits, mrkdwn escaped', () => {
    const m = slackMessage(notice);
    const valid = ajv.validate(slackMessageSchema, m);
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors)).toEqual([]);
    expect(valid).toBe(true);
    expect(m.text).toContain(job.jobId);
    expect(JSON.stringify(m)).toContain('&lt;b&gt;&amp;&lt;/b&gt;');
    const long = slackMessage(
      jobNotice('job.failed', 'x', { ...job, runbook: 'r'.repeat(400), exception: 'e'.repeat(5000) }, [], 'https://h'),
    );
    expect(ajv.validate(slackMessageSchema, long), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('the payload carries at most 20 Output lines and says when it cut them', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const n = jobNotice('job.completed', 'x', job, lines, 'https://h');
    expect(n.data.output).toHaveLength(20);
    expect(n.data.outputTruncated).toBe(true);
  });
});

describe('notification addresses', () => {
  it('refuses loopback, link-local (cloud metadata), private and mapped addresses; allows public ones', () => {
    for (const [ip, why] of [
      ['127.0.0.1', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['10.1.2.3', 'private'],
      ['172.20.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'shared'],
      ['0.0.0.0', 'this network'],
      ['::1', 'loopback'],
      ['fe80::1', 'link-local'],
      ['fd00::1', 'private'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:169.254.169.254', 'link-local'],
    ])
      expect(refusedRange(ip), ip).toContain(why);
    for (const ip of ['8.8.8.8', '20.50.2.1', '2606:4700::1111']) expect(refusedRange(ip), ip).toBeUndefined();
    expect(refusedLiteral('[::1]', false)?.message).toMatch(/loopback/);
    expect(refusedLiteral('169.254.169.254', true)).toBeUndefined();
    expect(refusedLiteral('example.com', false)).toBeUndefined();
  });
});
