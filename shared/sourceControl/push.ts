import { timingSafeEqual, createHash } from 'node:crypto';
import { badRequest, HttpError, unauthorized } from '../http/errors';
import { verifySignature, type HeaderLookup } from '../webhooks/signature';
import type { SyncRun } from '../model/sourceControl';
import { notFound } from '../errors';
import { pushSecretOf } from './manage';
import { requestSync } from './sync';

/**
 * Push events (docs/source-control.md, "Sync on push"): GitHub signs the body with the push secret
 * (`X-Hub-Signature-256`), GitLab sends the secret as `X-Gitlab-Token`, Azure DevOps service hooks
 * send it as the password of basic auth. A push to the source's branch queues a sync; a push to
 * another branch, or another event, is answered and ignored.
 */
export type PushOutcome = { run: SyncRun } | { ignored: string };

const same = (a: string, b: string) => {
  // Compare digests, so that neither length nor content leaks through timing.
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
};

function parse(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw badRequest('A push event must be a JSON object (set the webhook content type to application/json).');
}

export async function receivePush(name: string, header: HeaderLookup, body: Buffer): Promise<PushOutcome> {
  const found = await pushSecretOf(name);
  if (!found) throw notFound(`No source control named '${name}'.`);
  const { source, secret } = found;
  const wanted = `refs/heads/${source.branch}`;
  let provider: string;
  let refs: string[];
  const auth = header('authorization');
  if (header('x-hub-signature-256')) {
    verifySignature({ scheme: 'github', secret }, header, body);
    provider = 'github';
    const event = header('x-github-event') ?? 'push';
    if (event === 'ping') return { ignored: 'ping event: the webhook is set up' };
    if (event !== 'push') return { ignored: `'${event}' event: only push events sync` };
    refs = [String(parse(body).ref ?? '')];
  } else if (header('x-gitlab-token') !== null && header('x-gitlab-token') !== undefined) {
    if (!same(header('x-gitlab-token')!, secret))
      throw new HttpError(401, 'X-Gitlab-Token does not match the push secret of this source control.');
    provider = 'gitlab';
    const event = header('x-gitlab-event') ?? 'Push Hook';
    if (event !== 'Push Hook') return { ignored: `'${event}' event: only push events sync` };
    refs = [String(parse(body).ref ?? '')];
  } else if (auth?.startsWith('Basic ')) {
    const password = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':');
    if (!same(password, secret)) throw unauthorized('The basic auth password does not match the push secret of this source control.');
    provider = 'azure-devops';
    const event = parse(body);
    if (event.eventType !== 'git.push') return { ignored: `'${String(event.eventType)}' event: only git.push events sync` };
    const updates = (event.resource as { refUpdates?: { name?: string }[] } | undefined)?.refUpdates ?? [];
    refs = updates.map((u) => String(u.name ?? ''));
  } else {
    throw unauthorized(
      'A push event must be signed (GitHub: X-Hub-Signature-256), carry the secret (GitLab: X-Gitlab-Token) or send it by basic auth (Azure DevOps).',
    );
  }
  if (!refs.includes(wanted)) return { ignored: `a push to ${refs.join(', ') || 'no branch'}; this source syncs ${wanted}` };
  return { run: await requestSync(source.name, 'push', `push:${provider}`) };
}
