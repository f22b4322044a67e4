// The dashboard's pure parts: the SSE parser it reads live output with (client/sse-parser.ts, shared with the API client), the PKCE helpers of its
// Entra ID sign-in, the start form's value conversion, what functions/ui.ts tells the browser, and the assets pages' values,
// secret checks and declarations (ui/src/lib/assets.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../client/sse-parser';
import { authorizeUrl, challengeOf, randomVerifier, tokenRequest, type EntraConfig } from '../../ui/src/lib/pkce';
import { contentSecurityPolicy, uiConfig } from '../../functions/ui';
import {
  checkSecret,
  CONNECTION_TYPES as PAGE_CONNECTION_TYPES,
  declaredBy,
  variableValue,
  type DeclaringRunbook,
  type RunbookAssets,
} from '../../ui/src/lib/assets';
import { CONNECTION_TYPES } from '../../shared/model/asset';

describe('SseParser', () => {
  it('parses events split anywhere, with CRLF, comments and ids', () => {
    const p = new SseParser();
    const text =
      'retry: 1000\r\n: following\r\n\r\nid: r1\r\nevent: Output\r\ndata: {"a":1}\r\n\r\nid: r2\nevent: end\ndata: {"status":"Completed"}\n\n';
    const events = [];
    for (let i = 0; i < text.length; i += 3) events.push(...p.push(text.slice(i, i + 3)));
    expect(events).toEqual([
      { id: 'r1', event: 'Output', data: '{"a":1}' },
      { id: 'r2', event: 'end', data: '{"status":"Completed"}' },
    ]);
    expect(p.lastEventId).toBe('r2');
  });

  it('joins multi-line data and defaults the event name', () => {
    expect(new SseParser().push('data: one\ndata: two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('waits for the LF of a CRLF split across chunks', () => {
    const p = new SseParser();
    expect(p.push('data: x\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});

describe('PKCE (RFC 7636)', () => {
  const cfg: EntraConfig = {
    authority: 'https://login.example/tenant-1',
    tenantId: 'tenant-1',
    clientId: 'client-1',
    scope: 'api://hookbook/.default',
  };

  it('makes a 43-character verifier and its S256 challenge', async () => {
    const v = randomVerifier();
    expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomVerifier()).not.toBe(v);
    expect(await challengeOf(v)).toBe(createHash('sha256').update(v).digest('base64url'));
  });

  it('asks for a code with the challenge, and redeems it with the verifier', () => {
    const u = new URL(authorizeUrl(cfg, 'https://app.example/ui/', 'st', 'ch'));
    expect(u.origin + u.pathname).toBe('https://login.example/tenant-1/oauth2/v2.0/authorize');
    expect(Object.fromEntries(u.searchParams)).toMatchObject({
      client_id: 'client-1',
      response_type: 'code',
      redirect_uri: 'https://app.example/ui/',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
    expect(u.searchParams.get('scope')).toContain('api://hookbook/.default');
    const t = tokenRequest(cfg, 'https://app.example/ui/', 'the-code', 'the-verifier');
    expect(t.url).toBe('https://login.example/tenant-1/oauth2/v2.0/token');
    expect(Object.fromEntries(t.body)).toMatchObject({
      grant_type: 'authorization_code',
      code: 'the-code',
      code_verifier: 'the-verifier',
      client_id: 'client-1',
    });
  });
});

describe('functions/ui settings', () => {
  it('offers Entra ID sign-in only when the UI app registration is configured', () => {
    expect(uiConfig({}).entra).toBeNull();
    expect(uiConfig({ HOOKBOOK_UI_ENTRA_CLIENT_ID: 'c' }).entra).toBeNull();
    const env = { HOOKBOOK_UI_ENTRA_CLIENT_ID: 'c', HOOKBOOK_ENTRA_TENANT_ID: 't', HOOKBOOK_ENTRA_AUDIENCE: 'api://hookbook,other' };
    expect(uiConfig(env).entra).toEqual({
      authority: 'https://login.microsoftonline.com/t',
      tenantId: 't',
      clientId: 'c',
      scope: 'api://hookbook/.default',
    });
    expect(uiConfig({ ...env, HOOKBOOK_UI_ENTRA_SCOPE: 'api://x/Jobs.Read' }).entra?.scope).toBe('api://x/Jobs.Read');
  });

  it('lets the browser reach the token endpoint only when Entra sign-in is on', () => {
    expect(contentSecurityPolicy({})).toContain("connect-src 'self';");
    const on = contentSecurityPolicy({ HOOKBOOK_UI_ENTRA_CLIENT_ID: 'c', HOOKBOOK_ENTRA_TENANT_ID: 't', HOOKBOOK_ENTRA_AUDIENCE: 'a' });
    expect(on).toContain("connect-src 'self' https://login.microsoftonline.com;");
    expect(contentSecurityPolicy({}, 'n0nce')).toContain("style-src 'self' 'nonce-n0nce'");
    expect(contentSecurityPolicy({})).toMatch(/script-src 'self';/);
  });
});

describe('the assets pages (ui/src/lib/assets.ts)', () => {
  it("offers the API's connection types with their fields and secret fields", () => {
    expect(PAGE_CONNECTION_TYPES).toEqual(CONNECTION_TYPES);
  });

  it('sends a typed value, or the text as typed so that the API answers with its own sentence', () => {
    expect(variableValue('int', ' 42 ', 'n')).toBe(42);
    expect(variableValue('int', 'three', 'n')).toBe('three');
    expect(variableValue('bool', 'true', 'b')).toBe(true);
    expect(variableValue('string', '007', 's')).toBe('007');
    expect(variableValue('object', '{"a":[1]}', 'o')).toEqual({ a: [1] });
    // A string would pass as JSON: text that is not JSON is stopped here, in the API's words.
    expect(() => variableValue('object', 'not json', 'o')).toThrow("variable 'o' is of type object: the value must be JSON.");
  });

  it('takes a secret only when typed the same twice', () => {
    expect(checkSecret('the password', { value: 'a1', repeat: 'a1' }, true)).toBe('a1');
    expect(checkSecret('the password', { value: '', repeat: '' }, false)).toBeUndefined();
    expect(() => checkSecret('the password', { value: 'a1', repeat: 'a2' }, true)).toThrow('differ');
    expect(() => checkSecret('the password', { value: '', repeat: '' }, true)).toThrow('required');
  });

  it('finds the runbooks that declare an asset, in any case, as read, write or env, published or draft only', () => {
    const assets = (a: Partial<RunbookAssets>): RunbookAssets => ({
      variables: [],
      credentials: [],
      connections: [],
      writeVariables: [],
      env: {},
      ...a,
    });
    const rb = (name: string, version: number, a?: RunbookAssets, draft?: RunbookAssets): DeclaringRunbook => ({
      name,
      version,
      assets: a,
      draft: draft && { assets: draft },
    });
    const runbooks = [
      rb('reads', 1, assets({ credentials: ['SVC'] })),
      rb('env', 2, assets({ env: { PW: 'credential/svc/password' } })),
      rb('other-kind', 1, assets({ variables: ['svc'] })),
      rb('draft', 0, undefined, assets({ credentials: ['svc'] })),
      rb('none', 1),
    ];
    expect(declaredBy(runbooks, 'credential', 'svc')).toEqual([
      { runbook: 'reads', uses: ['reads'], draftOnly: false },
      { runbook: 'env', uses: ['env PW (password)'], draftOnly: false },
      { runbook: 'draft', uses: ['reads'], draftOnly: true },
    ]);
    expect(declaredBy([rb('w', 1, assets({ variables: ['x'], writeVariables: ['X'] }))], 'variable', 'x')[0]!.uses).toEqual([
      'reads',
      'writes',
    ]);
  });
});
