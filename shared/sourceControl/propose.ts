import type { z } from 'zod';
import { settings } from '../config';
import { conflict, notFound } from '../errors';
import type { ProposeBody } from '../model/sourceControl';
import { runbookStore } from '../store/runbookStore';
import { GitError, pushCommit } from '../git/transport';
import { getSourceControl } from './manage';
import { fetchSource, SyncError } from './sync';

/**
 * Back to git (docs/source-control.md, "Proposing a draft"): the draft of a runbook from git is
 * committed onto the head of the source's branch as a new branch, pushed with the source's
 * credential. The repository stays the source of truth: the change runs once it is merged and synced.
 */
export async function proposeDraft(
  name: string,
  body: z.infer<typeof ProposeBody>,
  by: string,
): Promise<{ sourceControl: string; branch: string; commit: string; parent: string; file: string }> {
  const stored = await runbookStore.get(name);
  if (!stored) throw notFound(`Runbook '${name}' not found.`);
  const r = stored.runbook;
  if (r.source !== 'git' || !r.sourceControl || !r.sourceFile)
    throw conflict(`Runbook '${r.name}' does not come from source control; only a git runbook's draft can be proposed.`);
  if (stored.draftContent === undefined)
    throw conflict(`Runbook '${r.name}' has no draft: save one with PUT /api/v1/runbooks/${r.name}/draft first.`);
  const source = await getSourceControl(r.sourceControl);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const branch = body.branch ?? `hookbook/${r.name}-${stamp}`;
  if (branch === source.branch) throw conflict(`The proposal needs a new branch, not the synced branch '${source.branch}'.`);
  try {
    const { gitdir, commit: parent, auth } = await fetchSource(source);
    const commit = await pushCommit({
      gitdir,
      url: source.repoUrl,
      parent,
      branch,
      files: { [r.sourceFile]: stored.draftContent },
      message: body.message ?? `Update ${r.sourceFile} from the Hookbook draft of ${r.name}\n\nProposed by ${by}.`,
      author: { name: 'Hookbook', email: 'hookbook@users.noreply.hookbook' },
      auth,
      timeoutMs: settings().gitTimeoutSeconds * 1000,
    });
    return { sourceControl: source.name, branch, commit, parent, file: r.sourceFile };
  } catch (error) {
    if (error instanceof GitError || error instanceof SyncError) throw conflict(`The draft could not be proposed: ${error.message}`);
    throw error;
  }
}
