import type { z } from 'zod';
import { settings } from '../config';
import { badRequest, conflict, notFound } from '../errors';
import { decrypt, encrypt, randomToken } from '../auth/secrets';
import type { CreateSourceControlBody, SourceControl, UpdateSourceControlBody } from '../model/sourceControl';
import { sourceControlStore } from '../store/sourceControlStore';
import { runbookStore } from '../store/runbookStore';
import { forgetRunbook } from '../runbooks/catalog';

/**
 * Source controls as the management API sees them (docs/source-control.md). The access token
 * lives only in the credential asset named here; the push secret is sealed and shown once.
 */
const now = () => new Date().toISOString();

/** https only, unless HOOKBOOK_GIT_ALLOW_HTTP (a git server on a private network; the tests). */
export function checkRepoUrl(url: string): void {
  const protocol = new URL(url).protocol;
  if (protocol === 'https:' || (protocol === 'http:' && settings().gitAllowHttp)) return;
  throw badRequest(
    `repoUrl: ${url} is not an https:// URL; source controls fetch over https only (the token must not travel in clear text).`,
  );
}

export const pushUrlOf = (name: string): string => `${settings().publicUrl}/api/v1/source-controls/${name}/push`;

export async function createSourceControl(
  b: z.infer<typeof CreateSourceControlBody>,
): Promise<{ source: SourceControl; pushSecret: string }> {
  checkRepoUrl(b.repoUrl);
  const t = now();
  const { pushSecret: given, name, ...fields } = b;
  const source: SourceControl = {
    ...fields,
    name,
    runbookPrefix: b.runbookPrefix ?? settings().runbookPrefix,
    createdTime: t,
    lastModifiedTime: t,
  };
  const pushSecret = given ?? randomToken(24);
  if (!(await sourceControlStore.create(source, encrypt(pushSecret))))
    throw conflict(`A source control named '${name}' exists already (names compare without regard to case).`);
  return { source, pushSecret };
}

export async function getSourceControl(name: string): Promise<SourceControl> {
  const found = await sourceControlStore.get(name);
  if (!found) throw notFound(`No source control named '${name}'.`);
  return found.source;
}

export const listSourceControls = (): Promise<SourceControl[]> => sourceControlStore.list();

/** The push secret, for checking a push event's signature. */
export async function pushSecretOf(name: string): Promise<{ source: SourceControl; secret: string } | undefined> {
  const found = await sourceControlStore.get(name);
  if (!found?.sealedSecret) return undefined;
  return { source: found.source, secret: decrypt(found.sealedSecret) };
}

export async function updateSourceControl(name: string, b: z.infer<typeof UpdateSourceControlBody>): Promise<SourceControl> {
  const old = await getSourceControl(name);
  if (b.repoUrl) checkRepoUrl(b.repoUrl);
  const { credential, ...rest } = b;
  const source: SourceControl = { ...old, ...rest, lastModifiedTime: now() };
  if (credential === null) delete source.credential;
  else if (credential !== undefined) source.credential = credential;
  await sourceControlStore.update(source);
  return source;
}

/**
 * Delete a source. Its runbooks stay (they keep running their last version) and become API
 * runbooks: editable and deletable through the API like any other.
 */
export async function deleteSourceControl(name: string): Promise<{ detached: string[] }> {
  const source = await getSourceControl(name);
  const detached: string[] = [];
  for (const r of await runbookStore.list()) {
    if (r.source !== 'git' || r.sourceControl?.toLowerCase() !== source.name.toLowerCase()) continue;
    const stored = await runbookStore.get(r.name);
    if (!stored) continue;
    const { sourceControl: _s, sourceFile: _f, ...kept } = stored.runbook;
    await runbookStore.replace({ ...kept, source: 'api', lastModifiedTime: now() }, stored.draftContent, stored.etag);
    forgetRunbook(r.name);
    detached.push(r.name);
  }
  await sourceControlStore.delete(source.name);
  await sourceControlStore.deleteRuns(source.name);
  return { detached };
}
