import { facts, headline, type JobNotice } from './payload';

/**
 * Microsoft Teams incoming webhooks (a Workflows "post to a channel when a webhook request is
 * received" flow, or the older connector): a `message` whose one attachment is an Adaptive Card
 * (schema version 1.4, the highest Teams renders everywhere), as Microsoft's "Send Adaptive Cards
 * using an Incoming Webhook" example shows. The URL carries the receiver's secret; no signature.
 */
export const ADAPTIVE_CARD_VERSION = '1.4';

export function teamsMessage(n: JobNotice): Record<string, unknown> {
  const j = n.data.job;
  const failed = n.type === 'job.failed';
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: headline(n), weight: 'Bolder', size: 'Medium', wrap: true, ...(failed ? { color: 'Attention' } : {}) },
    { type: 'FactSet', facts: facts(n).map(([title, value]) => ({ title, value })) },
  ];
  if (j.exception) body.push({ type: 'TextBlock', text: j.exception, wrap: true, color: 'Attention' });
  if (n.data.output.length)
    body.push({ type: 'TextBlock', text: n.data.output.join('\n'), wrap: true, fontType: 'Monospace', spacing: 'Medium' });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body,
          actions: [
            { type: 'Action.OpenUrl', title: 'Open in the dashboard', url: n.data.links.dashboard },
            { type: 'Action.OpenUrl', title: 'Job in the API', url: n.data.links.api },
          ],
        },
      },
    ],
  };
}
