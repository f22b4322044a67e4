import { decrypt, encrypt } from '../auth/secrets';
import { settings } from '../config';
import { badRequest, conflict, notFound } from '../errors';
import { NotificationTarget, type CreateTargetBody, type NotificationFormat, type UpdateTargetBody } from '../model/notification';
import { notificationTargetStore, TargetChangedError, type StoredTarget } from '../store/notificationStore';
import { refusedLiteral } from './address';
import { newGithubSecret } from './github';
import { newStandardSecret } from './standardWebhooks';

/**
 * Notification targets: the management API's view and the sender's. The signing secret is shown
 * once (create, rotate) and kept sealed; so is the full URL (for Teams and Slack the URL is the
 * secret). A rotation keeps the previous secret signing until its overlap ends.
 */
const now = () => new Date().toISOString();
const hasSecret = (f: NotificationFormat) => f === 'standard-webhooks' || f === 'github';
const newSecret = (f: NotificationFormat) => (f === 'github' ? newGithubSecret() : newStandardSecret());

interface SealedSecret {
  sealed: string;
  /** Absent for the current secret; the end of its overlap for the previous one. */
  validUntil?: string;
}

/** The URL as the API shows it: Teams' and Slack's incoming-webhook paths are their secret. */
function shownUrl(url: string, format: NotificationFormat): string {
  if (hasSecret(format)) return url;
  const u = new URL(url);
  return `${u.origin}/…`;
}

/** https only, unless private targets are allowed (a receiver on this machine, in tests). */
function checkUrl(raw: string): string {
  const u = new URL(raw);
  const { notifyAllowPrivate } = settings();
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && notifyAllowPrivate))
    throw badRequest(`url: must be https (plain http only when HOOKBOOK_NOTIFY_ALLOW_PRIVATE is on); got ${u.protocol}`);
  if (u.username || u.password) throw badRequest('url: must not carry a user name or password.');
  const refused = refusedLiteral(u.hostname, notifyAllowPrivate);
  if (refused) throw badRequest(`url: ${refused.message}.`);
  return u.href;
}

export async function createTarget(b: CreateTargetBody): Promise<{ target: NotificationTarget; secret?: string }> {
  const url = checkUrl(b.url);
  const t = now();
  const target: NotificationTarget = NotificationTarget.parse({ ...b, url: shownUrl(url, b.format), createdTime: t, lastModifiedTime: t });
  const secret = hasSecret(b.format) ? newSecret(b.format) : undefined;
  const sealedSecrets: SealedSecret[] = secret ? [{ sealed: encrypt(secret) }] : [];
  if (!(await notificationTargetStore.create({ target, sealedUrl: encrypt(url), sealedSecrets: JSON.stringify(sealedSecrets) })))
    throw conflict(`A notification target named '${b.name}' exists already (names compare without regard to case).`);
  forgetTargets();
  return { target, ...(secret ? { secret } : {}) };
}

async function stored(name: string): Promise<StoredTarget> {
  const found = await notificationTargetStore.get(name);
  if (!found) throw notFound(`No notification target named '${name}'.`);
  return found;
}

export const getTarget = async (name: string): Promise<NotificationTarget> => (await stored(name)).target;
export const listTargets = (): Promise<NotificationTarget[]> => notificationTargetStore.list();

async function replace(next: StoredTarget): Promise<void> {
  try {
    await notificationTargetStore.replace(next);
  } catch (error) {
    if (error instanceof TargetChangedError) throw conflict(`${error.message}; read it again and retry.`);
    throw error;
  }
  forgetTargets();
}

export async function updateTarget(name: string, b: UpdateTargetBody): Promise<NotificationTarget> {
  const found = await stored(name);
  const target: Record<string, unknown> = { ...found.target, lastModifiedTime: now() };
  let sealedUrl = found.sealedUrl;
  for (const [k, v] of Object.entries(b)) {
    if (k === 'url') continue;
    if (v === null) delete target[k];
    else if (v !== undefined) target[k] = v;
  }
  if (b.url !== undefined) {
    const url = checkUrl(b.url);
    sealedUrl = encrypt(url);
    target.url = shownUrl(url, found.target.format);
  }
  // Turning a target on again clears the reason Hookbook had turned it off.
  if (b.enabled === true) delete target.disabledReason;
  const parsed = NotificationTarget.parse(target);
  await replace({ ...found, target: parsed, sealedUrl });
  return parsed;
}

/** A new secret (shown once); the previous one still signs for `overlapSeconds`. */
export async function rotateSecret(name: string, overlapSeconds: number): Promise<{ target: NotificationTarget; secret: string }> {
  const found = await stored(name);
  if (!hasSecret(found.target.format))
    throw conflict(`Target '${name}' (${found.target.format}) has no signing secret: its URL is its secret.`);
  const secret = newSecret(found.target.format);
  const current = (JSON.parse(found.sealedSecrets) as SealedSecret[]).find((s) => !s.validUntil);
  const t = now();
  const validUntil = new Date(Date.now() + overlapSeconds * 1000).toISOString();
  const secrets: SealedSecret[] = [
    { sealed: encrypt(secret) },
    ...(current && overlapSeconds > 0 ? [{ sealed: current.sealed, validUntil }] : []),
  ];
  const target = NotificationTarget.parse({
    ...found.target,
    secretRotatedTime: t,
    lastModifiedTime: t,
    ...(overlapSeconds > 0 ? { previousSecretValidUntil: validUntil } : { previousSecretValidUntil: undefined }),
  });
  await replace({ ...found, target, sealedSecrets: JSON.stringify(secrets) });
  return { target, secret };
}

export async function deleteTarget(name: string): Promise<void> {
  if (!(await notificationTargetStore.delete(name))) throw notFound(`No notification target named '${name}'.`);
  forgetTargets();
}

/** Hookbook turns a target off (a receiver answering 410 Gone); an operator turns it on again. */
export async function disableTarget(name: string, reason: string): Promise<void> {
  const found = await notificationTargetStore.get(name);
  if (!found || !found.target.enabled) return;
  await replace({ ...found, target: { ...found.target, enabled: false, disabledReason: reason, lastModifiedTime: now() } }).catch(
    () => undefined,
  );
}

/** What the sender needs: the target, its full URL and the secrets that sign now (newest first). */
export async function senderView(name: string): Promise<{ target: NotificationTarget; url: string; secrets: string[] } | undefined> {
  const found = await notificationTargetStore.get(name);
  if (!found) return undefined;
  const t = Date.now();
  const secrets = (JSON.parse(found.sealedSecrets) as SealedSecret[])
    .filter((s) => !s.validUntil || Date.parse(s.validUntil) > t)
    .map((s) => decrypt(s.sealed));
  return { target: found.target, url: decrypt(found.sealedUrl), secrets };
}

let cache: { at: number; value: Promise<NotificationTarget[]> } | undefined;

/**
 * Every target, read at most once per HOOKBOOK_NOTIFY_CACHE_SECONDS per instance: a job's status
 * change asks this, and must not cost a storage read each time. A change through this instance
 * is seen at once; one made through another instance within the cache time.
 */
export function cachedTargets(): Promise<NotificationTarget[]> {
  const ttl = settings().notifyCacheSeconds * 1000;
  if (!cache || Date.now() - cache.at > ttl) {
    const value = notificationTargetStore.list();
    cache = { at: Date.now(), value };
    value.catch(() => (cache = undefined));
  }
  return cache.value;
}
export const forgetTargets = (): void => {
  cache = undefined;
};
