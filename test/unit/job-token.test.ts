// Job tokens (pure part): signed with a key of their own, refused when expired, tampered with or
// signed with another key, before any storage is asked whether the job still runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueJobToken, verifyJobToken } from '../../shared/assets/jobToken';
import { HttpError } from '../../shared/http/errors';

const scope = {
  jobId: '0190f0e0-0000-7000-8000-000000000000',
  attempt: 1,
  runbook: 'rb',
  assets: { variables: ['A'], credentials: [], connections: [], writeVariables: [], env: {} },
};
const saved = process.env.HOOKBOOK_ENCRYPTION_KEY;

beforeAll(() => {
  process.env.HOOKBOOK_ENCRYPTION_KEY = 'unit-test-key-unit-test-key-unit-test-key'; // settings() sees it at once
});
afterAll(() => {
  if (saved === undefined) delete process.env.HOOKBOOK_ENCRYPTION_KEY;
  else process.env.HOOKBOOK_ENCRYPTION_KEY = saved;
});

async function refusal(header: string | null): Promise<HttpError> {
  try {
    await verifyJobToken(header);
  } catch (error) {
    return error as HttpError;
  }
  throw new Error('accepted');
}

describe('job tokens', () => {
  it('an expired token is refused with 401', async () => {
    const token = await issueJobToken(scope, -10);
    const e = await refusal(`Bearer ${token}`);
    expect(e.status).toBe(401);
    expect(e.message).toMatch(/invalid or has expired/);
    expect(e.headers['WWW-Authenticate']).toMatch(/^Bearer/);
  });

  it('a tampered token (scope widened) is refused', async () => {
    const token = await issueJobToken(scope, 600);
    const [h, p, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.assets.credentials = ['Everything'];
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), sig].join('.');
    expect((await refusal(`Bearer ${forged}`)).status).toBe(401);
  });

  it('no token, or an API key in its place, is refused with a sentence saying what is needed', async () => {
    expect((await refusal(null)).message).toMatch(/HOOKBOOK_JOB_TOKEN/);
    expect((await refusal('Bearer keyid:secret')).status).toBe(401);
    expect((await refusal('Basic a2V5OnNlY3JldA==')).status).toBe(401);
  });

  it('the token carries the declared assets but not the environment mapping', async () => {
    const token = await issueJobToken({ ...scope, assets: { ...scope.assets, env: { X: 'variable/A' } } }, 600);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ sub: scope.jobId, att: 1, rb: 'rb', aud: 'hookbook-job-assets', iss: 'hookbook' });
    expect(payload.assets).toEqual({ variables: ['A'], credentials: [], connections: [], writeVariables: [] });
  });
});
