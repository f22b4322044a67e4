import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '../../shared/errors';
import { HttpError, toHttpError } from '../../shared/http/errors';
import { bodyKind, formFields, fromForm, fromJson } from '../../shared/kompira/body';
import { errorPage, escapeHtml, mailHtml, processPage } from '../../shared/kompira/html';
import { acceptsJson, requestedFormat } from '../../shared/kompira/http';
import { buildMail } from '../../shared/kompira/mail';
import {
  consoleText,
  directoryObject,
  jobflowObject,
  kompiraStatus,
  pageOf,
  processObject,
  DIRECTORY_TYPE,
  JOBFLOW_TYPE,
} from '../../shared/kompira/objects';
import {
  checkEncodedPathname,
  childrenOf,
  isFolder,
  normaliseBase,
  parentPath,
  parseTarget,
  routeTemplate,
  DEFAULT_BASE,
} from '../../shared/kompira/path';
import { processViewSig, verifyProcessViewSig } from '../../shared/kompira/viewLink';
import type { Runbook } from '../../shared/model/runbook';
import type { StreamRecord } from '../../shared/model/job';

const statusOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof HttpError || e instanceof DomainError ? toHttpError(e).status : -1;
  }
  return undefined;
};

const restart: Runbook = {
  name: 'root_restart_process',
  path: '/root/restart_process',
  type: 'bash',
  parameters: [{ name: 'service', type: 'string', mandatory: false, default: 'httpd', secret: false }],
  description: 'Restart a service',
  state: 'Published',
  source: 'repository',
  version: 1,
  createdTime: '2023-06-26T00:03:13.459Z',
  lastModifiedTime: '2023-06-26T00:03:13.547Z',
};

describe('Kompira base path', () => {
  it('defaults to /kompira and normalises slashes', () => {
    expect(normaliseBase(undefined)).toBe(DEFAULT_BASE);
    expect(normaliseBase('')).toBe('/kompira');
    expect(normaliseBase('ke/')).toBe('/ke');
    expect(normaliseBase('/a/b/')).toBe('/a/b');
    expect(normaliseBase('/')).toBe('');
  });
  it('refuses odd segments', () => {
    expect(() => normaliseBase('/a/../b')).toThrow(/segment '\.\.'/);
    expect(() => normaliseBase('/a b')).toThrow();
  });
  it('becomes a catch-all route template', () => {
    expect(routeTemplate('/kompira')).toBe('kompira/{*path}');
    expect(routeTemplate('/a/b')).toBe('a/b/{*path}');
    expect(routeTemplate('')).toBe('{*path}');
  });
});

describe('Kompira path parsing', () => {
  it('reads jobflows, .execute, the root and processes', () => {
    expect(parseTarget('root/restart_process')).toEqual({ kind: 'object', path: '/root/restart_process', execute: false });
    expect(parseTarget('root/restart_process.execute')).toEqual({ kind: 'object', path: '/root/restart_process', execute: true });
    expect(parseTarget('user/security/revoke-or-restore-access.EXECUTE')).toEqual({
      kind: 'object',
      path: '/user/security/revoke-or-restore-access',
      execute: true,
    });
    expect(parseTarget(undefined)).toEqual({ kind: 'object', path: '/', execute: false });
    expect(parseTarget('')).toEqual({ kind: 'object', path: '/', execute: false });
    expect(parseTarget('user/')).toEqual({ kind: 'object', path: '/user', execute: false });
    expect(parseTarget('process/01A20084-899D-7B3D-9DB0-46C347B4D948')).toEqual({
      kind: 'process',
      jobId: '01a20084-899d-7b3d-9db0-46c347b4d948',
    });
    // Not a job id: an ordinary object path (a runbook could live there).
    expect(parseTarget('process/cleanup')).toEqual({ kind: 'object', path: '/process/cleanup', execute: false });
  });

  it.each([
    ['..', 400],
    ['root/../api/v1/keys', 400],
    ['./root', 400],
    ['root/./restart_process', 400],
    ['root//restart_process', 400],
    ['root\\restart_process', 400],
    ['root/restart_process\u0000.execute', 400],
    ['root/\nx', 400],
    ['x'.repeat(600), 400],
    ['root/restart_process.json', 404],
    ['root/restart_process.execute.execute', 404],
    ['.execute', 404],
    ['root/ümlaut', 404],
    ['root/%2e%2e', 404],
  ])('refuses %j with %i', (rest, status) => {
    expect(statusOf(() => parseTarget(rest))).toBe(status);
  });

  it('refuses encoded traversal in the raw URL path', () => {
    for (const p of [
      '/kompira/root/%2e%2e/x',
      '/kompira/root/%2E./x',
      '/kompira/a%2fb',
      '/kompira/a%5Cb',
      '/kompira/a%00',
      '//kompira/root',
    ]) {
      expect(
        statusOf(() => checkEncodedPathname(p)),
        p,
      ).toBe(400);
    }
    expect(statusOf(() => checkEncodedPathname('/kompira/root/restart_process.execute'))).toBeUndefined();
  });

  it('never yields a path that leaves the tree (property)', () => {
    const seg = fc.constantFrom('a', 'root', '..', '.', '', '%2e', '\\', '\u0000', 'x.execute', 'b-c_d');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 6 }), (parts) => {
        const rest = parts.join('/');
        let target;
        try {
          target = parseTarget(rest);
        } catch (e) {
          expect(e instanceof HttpError || e instanceof DomainError).toBe(true);
          expect([400, 404]).toContain(toHttpError(e).status);
          return;
        }
        if (target.kind === 'object') {
          expect(target.path).toMatch(/^\/(?:[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)?$/);
        }
      }),
    );
  });

  it('derives parents, folders and children from jobflow paths', () => {
    const paths = ['/root/restart_process', '/user/security/revoke-or-restore-access', '/tools/webhook-echo', '/User/other'];
    expect(parentPath('/root/restart_process')).toBe('/root');
    expect(parentPath('/root')).toBe('/');
    expect(isFolder('/', [])).toBe(true);
    expect(isFolder('/user', paths)).toBe(true);
    expect(isFolder('/user/security', paths)).toBe(true);
    expect(isFolder('/root/restart_process', paths)).toBe(false);
    expect(isFolder('/nothing', paths)).toBe(false);
    expect(childrenOf('/', paths)).toEqual({ folders: ['/root', '/tools', '/user'], jobflows: [] });
    expect(childrenOf('/user', paths)).toEqual({ folders: ['/user/security'], jobflows: ['/User/other'] });
    expect(childrenOf('/user/security', paths)).toEqual({ folders: [], jobflows: ['/user/security/revoke-or-restore-access'] });
  });
});

describe('Kompira objects', () => {
  it('renders a runbook as the seed shows a jobflow', () => {
    const o = jobflowObject(restart, 'echo');
    expect(Object.keys(o)).toEqual([
      'id',
      'abspath',
      'owner',
      'fields',
      'extra_properties',
      'user_permissions',
      'group_permissions',
      'created',
      'updated',
      'display_name',
      'description',
      'type_object',
      'parent_object',
    ]);
    expect(o).toMatchObject({
      abspath: '/root/restart_process',
      display_name: 'restart_process',
      type_object: JOBFLOW_TYPE,
      parent_object: '/root',
      fields: { source: 'echo', multiplicity: null, defaultCheckpointMode: false, defaultMonitoringMode: 'NOTHING' },
    });
    expect(jobflowObject({ ...restart, maxConcurrency: 2 }, '').fields.multiplicity).toBe(2);
  });

  it('masks the defaults of secret parameters', () => {
    const o = jobflowObject(
      { ...restart, parameters: [{ name: 'pw', type: 'string', mandatory: false, default: 'hunter2', secret: true }] },
      '',
    );
    expect(JSON.stringify(o)).not.toContain('hunter2');
  });

  it('renders folders and DRF pages', () => {
    expect(directoryObject('/')).toMatchObject({ abspath: '/', type_object: DIRECTORY_TYPE, parent_object: null, display_name: '/' });
    expect(directoryObject('/user/security')).toMatchObject({ parent_object: '/user', display_name: 'security' });
    const link = (n: number) => `?page=${n}`;
    expect(pageOf([1, 2, 3, 4, 5], 1, 2, link)).toEqual({ count: 5, next: '?page=2', previous: null, results: [1, 2] });
    expect(pageOf([1, 2, 3, 4, 5], 3, 2, link)).toEqual({ count: 5, next: null, previous: '?page=2', results: [5] });
    expect(pageOf([1, 2], 9, 2, link)).toEqual({ count: 2, next: null, previous: '?page=1', results: [] });
  });

  it('maps statuses and renders a process', () => {
    expect(kompiraStatus('Queued')).toBe('READY');
    expect(kompiraStatus('Completed')).toBe('DONE');
    expect(kompiraStatus('Failed')).toBe('ABORTED');
    expect(kompiraStatus('Stopped')).toBe('ABORTED');
    const streams: StreamRecord[] = [
      { jobStreamId: '1', time: 't', streamType: 'Verbose', summary: '', streamText: 'restarting' },
      { jobStreamId: '2', time: 't', streamType: 'Output', summary: '', streamText: 'httpd restarted' },
    ];
    expect(consoleText(streams)).toBe('VERBOSE: restarting\nhttpd restarted');
    const p = processObject({
      jobId: 'j',
      jobflowPath: '/root/restart_process',
      runbook: 'root_restart_process',
      status: 'Completed',
      startedBy: 'k',
      createdTime: 'c',
      startTime: 's',
      endTime: 'e',
      parameters: {},
      result: true,
      streams,
    });
    expect(p).toMatchObject({
      abspath: '/process/j',
      status: 'DONE',
      hookbook_status: 'Completed',
      started_time: 's',
      finished_time: 'e',
      result: true,
      exception: null,
    });
  });
});

describe('Kompira HTML', () => {
  it('escapes everything that could open markup or attributes', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'\``)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;');
    fc.assert(fc.property(fc.string(), (s) => !/[<>"'`]/.test(escapeHtml(s))));
  });

  it('puts no raw input into pages', () => {
    const evil = '<img src=x onerror=alert(1)>';
    expect(errorPage(404, evil)).not.toContain(evil);
    const html = processPage(
      processObject({
        jobId: 'j',
        jobflowPath: null,
        runbook: 'r',
        status: 'Failed',
        startedBy: 'k',
        createdTime: 'c',
        parameters: {},
        exception: evil,
        streams: [{ jobStreamId: '1', time: 't', streamType: 'Output', summary: '', streamText: evil }],
      }),
    );
    expect(html).not.toContain(evil);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('refreshes a process page until it ends', () => {
    const running = processPage(
      processObject({
        jobId: 'j',
        jobflowPath: null,
        runbook: 'r',
        status: 'Running',
        startedBy: 'k',
        createdTime: 'c',
        parameters: {},
        streams: [],
      }),
    );
    expect(running).toContain('http-equiv="refresh"');
  });

  it('renders the e-mail form of the seed', () => {
    const html = mailHtml({
      actionUrl: 'https://h/kompira/root/restart_process.execute?token=a:b&format=json',
      message: 'サーバーがダウンしました\n<b>',
      buttonLabel: 'httpd をリブート',
      fields: { service: 'x"y' },
    });
    expect(html).toContain('<form method="POST" action="https://h/kompira/root/restart_process.execute?token=a:b&amp;format=json">');
    expect(html).toContain('<input type="submit" value="httpd をリブート" />');
    expect(html).toContain('<input type="hidden" name="service" value="x&quot;y" />');
    expect(html).toContain('サーバーがダウンしました<br />\n&lt;b&gt;');
  });

  it('builds the mail URL, validates the parameters and refuses secret ones', () => {
    const mail = buildMail(restart, 'k1:s/+', { publicUrl: 'https://hb.example/', base: '/kompira' }, { parameters: { service: 'nginx' } });
    expect(mail.url).toBe('https://hb.example/kompira/root/restart_process.execute?token=k1%3As%2F%2B&format=json');
    expect(mail.html).toContain('name="service" value="nginx"');
    expect(statusOf(() => buildMail(restart, 't', { publicUrl: 'h', base: '' }, { parameters: { nope: 1 } }))).toBe(400);
    expect(statusOf(() => buildMail(restart, 't', { publicUrl: 'h', base: '' }, { parameters: { service: 5 } }))).toBe(400);
    const secret: Runbook = { ...restart, parameters: [{ name: 'pw', type: 'string', mandatory: false, secret: true }] };
    expect(statusOf(() => buildMail(secret, 't', { publicUrl: 'h', base: '' }, { parameters: { pw: 'x' } }))).toBe(400);
  });
});

describe('Kompira request bodies and negotiation', () => {
  it('tells JSON, forms and the rest apart', () => {
    expect(bodyKind(null, Buffer.from(''))).toBe('empty');
    expect(bodyKind('application/json', Buffer.from('  '))).toBe('empty');
    expect(bodyKind(null, Buffer.from('{}'))).toBe('json');
    expect(bodyKind('application/json; charset=utf-8', Buffer.from('{}'))).toBe('json');
    expect(bodyKind('application/x-www-form-urlencoded', Buffer.from('a=1'))).toBe('form');
    expect(bodyKind('multipart/form-data; boundary=x', Buffer.from('--x'))).toBe('multipart');
    expect(statusOf(() => bodyKind('text/plain', Buffer.from('hi')))).toBe(415);
  });

  it('keeps transport fields out of the parameters', () => {
    const body = fromForm(formFields(new URLSearchParams('service=nginx&token=k:s&format=json&submit=Go&csrfmiddlewaretoken=c&=x')), [
      'service',
    ]);
    expect(body).toEqual({ parameters: { service: 'nginx' }, coerceStrings: true, token: 'k:s', format: 'json' });
    // A runbook that declares such a name gets it as a parameter.
    expect(fromForm(formFields(new URLSearchParams('submit=yes')), ['Submit']).parameters).toEqual({ submit: 'yes' });
    expect(fromForm(formFields(new URLSearchParams('other=1')), []).parameters).toEqual({ other: '1' });
    expect(statusOf(() => formFields(new URLSearchParams('a=1&a=2')))).toBe(400);
  });

  it("reads JSON parameters, also in Kompira's wrapped form", () => {
    expect(fromJson('{"service":"x"}', ['service'])).toEqual({ parameters: { service: 'x' }, coerceStrings: false });
    expect(fromJson('{"parameters":{"service":"x"}}', ['service']).parameters).toEqual({ service: 'x' });
    expect(fromJson('{"parameters":{"a":1}}', ['parameters']).parameters).toEqual({ parameters: { a: 1 } });
    expect(fromJson('null', []).parameters).toEqual({});
    expect(statusOf(() => fromJson('[1]', []))).toBe(400);
    expect(statusOf(() => fromJson('{', []))).toBe(400);
  });

  it('negotiates JSON the way Kompira does', () => {
    expect(acceptsJson('application/json')).toBe(true);
    expect(acceptsJson('text/html, application/json;q=0.5')).toBe(true);
    expect(acceptsJson('application/json;q=0')).toBe(false);
    expect(acceptsJson('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(false);
    expect(acceptsJson(null)).toBe(false);
    expect(requestedFormat(new URLSearchParams('format=json'), null)).toBe('json');
    expect(requestedFormat(new URLSearchParams('format=JSON'), 'text/html')).toBe('json');
    expect(requestedFormat(new URLSearchParams('format=html'), 'application/json')).toBe('html');
    expect(requestedFormat(new URLSearchParams(''), null, 'json')).toBe('json');
    expect(requestedFormat(new URLSearchParams(''), '*/*')).toBe('html');
    expect(statusOf(() => requestedFormat(new URLSearchParams('format=xml'), null))).toBe(400);
  });
});

describe('signed process links', () => {
  const key = Buffer.alloc(32, 7);
  it('verifies its own signature for that job only', () => {
    const sig = processViewSig('01a20084-899d-7b3d-9db0-46c347b4d948', key)!;
    expect(verifyProcessViewSig('01a20084-899d-7b3d-9db0-46c347b4d948', sig, key)).toBe(true);
    expect(verifyProcessViewSig('01A20084-899D-7B3D-9DB0-46C347B4D948', sig, key)).toBe(true);
    expect(verifyProcessViewSig('01a20084-899d-7b3d-9db0-46c347b4d949', sig, key)).toBe(false);
    expect(verifyProcessViewSig('01a20084-899d-7b3d-9db0-46c347b4d948', sig.slice(1), key)).toBe(false);
    expect(verifyProcessViewSig('01a20084-899d-7b3d-9db0-46c347b4d948', null, key)).toBe(false);
    expect(processViewSig('x', null)).toBeUndefined();
    expect(verifyProcessViewSig('x', 'anything', null)).toBe(false);
  });
});
