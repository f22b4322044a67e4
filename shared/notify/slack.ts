import { facts, headline, type JobNotice } from './payload';

/**
 * Slack incoming webhooks: `text` (the notification's fallback, shown where blocks are not) and
 * `blocks` (Block Kit: a header, a section of fields, the exception and the first Output lines,
 * link buttons). Block Kit's limits are kept: header text 150 characters, section text 3000, at
 * most 10 fields of 2000. The URL carries the receiver's secret; no signature.
 */
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
/** Slack's mrkdwn treats these three specially: escape them as its docs say. */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(n: JobNotice): Record<string, unknown> {
  const j = n.data.job;
  const title = headline(n);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: false } },
    {
      type: 'section',
      fields: facts(n)
        .slice(0, 10)
        .map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${escape(v)}`, 2000) })),
    },
  ];
  if (j.exception) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Exception*\n${escape(j.exception)}`, 3000) } });
  if (n.data.output.length)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut('```' + escape(n.data.output.join('\n')) + '```', 3000) } });
  blocks.push({
    type: 'actions',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Open in the dashboard' }, url: n.data.links.dashboard },
      { type: 'button', text: { type: 'plain_text', text: 'Job in the API' }, url: n.data.links.api },
    ],
  });
  return { text: cut(`${title}: job ${j.jobId} (${j.status})`, 3000), blocks };
}
