import { SignJWT, jwtVerify } from 'jose';
import { derivedKey } from '../auth/secrets';
import { unauthorized } from '../http/errors';
import { RunbookAssets } from '../model/asset';
import { jobStore } from '../store/jobStore';

/**
 * A job token lets one attempt of one job read the assets its runbook declares, and nothing else.
 * It is an HS256 JWT signed with a key derived from HOOKBOOK_ENCRYPTION_KEY, valid at most for the
 * job's time limit plus a minute; on top of that every use checks that the job is still running
 * this very attempt, so a token is refused as soon as its job ends (or is run again elsewhere).
 */
const ISSUER = 'hookbook';
const AUDIENCE = 'hookbook-job-assets';

export interface JobScope {
  jobId: string;
  attempt: number;
  runbook: string;
  assets: RunbookAssets;
}

export async function issueJobToken(scope: JobScope, lifetimeSeconds: number): Promise<string> {
  const { env: _env, ...declared } = scope.assets;
  return new SignJWT({ att: scope.attempt, rb: scope.runbook, assets: declared })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(scope.jobId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
    .sign(derivedKey('job-tokens'));
}

const CHALLENGE = 'Bearer realm="hookbook-job"';

/** The scope of a valid token whose job is still running that attempt; 401 otherwise. */
export async function verifyJobToken(authorization: string | null): Promise<JobScope> {
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) throw unauthorized('A job token is needed: Authorization: Bearer $HOOKBOOK_JOB_TOKEN (only a running job has one).', CHALLENGE);
  let payload;
  try {
    ({ payload } = await jwtVerify(m[1]!, derivedKey('job-tokens'), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
  } catch {
    throw unauthorized('The job token is invalid or has expired.', CHALLENGE);
  }
  const parsed = RunbookAssets.safeParse(payload.assets);
  if (!payload.sub || typeof payload.att !== 'number' || typeof payload.rb !== 'string' || !parsed.success) {
    throw unauthorized('The job token is invalid or has expired.', CHALLENGE);
  }
  const found = await jobStore.get(payload.sub);
  const job = found?.value;
  if (!job || (job.status !== 'Running' && job.status !== 'Stopping') || job.attempt !== payload.att) {
    throw unauthorized(`The job token is no longer valid: job ${payload.sub} attempt ${payload.att} is not running.`, CHALLENGE);
  }
  return { jobId: payload.sub, attempt: payload.att, runbook: payload.rb, assets: parsed.data };
}
