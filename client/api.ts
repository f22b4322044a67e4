/**
 * HookbookClient: the management API, one method per operation, typed from the service's own zod
 * models (client/types.ts). Used by the CLI (cli/), the bench (bench/) and the test suites
 * (test/support/api.ts). `request` is the raw door for callers that want to see any answer
 * (tests probing error statuses); the typed methods throw ApiError on an error status and
 * UnreachableError when the service cannot be reached.
 */
import { ApiError, detailOf, problemOf } from './errors';
import { followSse } from './sse';
import { authorization, send, type Answer, type Credentials } from './transport';
import type {
  CreatedRegistrationKey,
  CreatedWebhook,
  CreateRunbookInput,
  CreateWebhookInput,
  Job,
  JobAccepted,
  JobEnd,
  JobListQuery,
  Page,
  Runbook,
  StreamRecord,
  Webhook,
  WorkerGroup,
} from './types';

export interface ClientOptions {
  /** The service's base URL (a path prefix is kept). */
  url: string;
  credentials?: Credentials;
}

export interface RequestOptions {
  /** A string goes as it is; anything else as JSON (with Content-Type: application/json). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface FollowOptions {
  /** Only these stream types: `Output,Error` (as the API's streamTypes query takes them). */
  types?: string;
  lastEventId?: string;
  signal?: AbortSignal;
  onRecord(record: StreamRecord): void;
}

const enc = encodeURIComponent;

export class HookbookClient {
  readonly url: string;

  constructor(private readonly options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
  }

  /** The Authorization header for these credentials (empty without credentials). */
  get authHeaders(): Record<string, string> {
    return authorization(this.options.credentials);
  }

  /** Any call; never throws on an error status (network failures throw UnreachableError). */
  request(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    const { body } = opts;
    return send(this.url, path, {
      method,
      headers: { ...this.authHeaders, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: opts.signal,
    });
  }

  /**
   * A JSON call whose answer has the type T. The answer is not re-validated here: the service
   * builds it from the same zod models and the OpenAPI conformance test holds it to them.
   */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const a = await this.request(method, path, { body, headers: { Accept: 'application/json' } });
    if (!a.ok) throw new ApiError(method, path, a.status, detailOf(a.json, a.text, a.statusText), problemOf(a.json));
    return (a.json === undefined && a.text ? a.text : a.json) as T;
  }

  readonly runbooks = {
    list: () => this.call<Page<Runbook>>('GET', '/api/v1/runbooks'),
    get: (name: string) => this.call<Runbook>('GET', `/api/v1/runbooks/${enc(name)}`),
    /** The script: the published version's, or the draft's. */
    content: async (name: string, version: 'published' | 'draft' = 'published'): Promise<string> => {
      const path = `/api/v1/runbooks/${enc(name)}/content${version === 'draft' ? '?version=draft' : ''}`;
      const a = await this.request('GET', path);
      if (!a.ok) throw new ApiError('GET', path, a.status, detailOf(a.json, a.text, a.statusText), problemOf(a.json));
      return a.text;
    },
    create: (body: CreateRunbookInput) => this.call<Runbook>('POST', '/api/v1/runbooks', body),
    publish: (name: string) => this.call<Runbook>('POST', `/api/v1/runbooks/${enc(name)}/publish`),
  };

  readonly webhooks = {
    create: (body: CreateWebhookInput) => this.call<CreatedWebhook>('POST', '/api/v1/webhooks', body),
    list: (runbook?: string) => this.call<Page<Webhook>>('GET', `/api/v1/webhooks${runbook ? `?runbook=${enc(runbook)}` : ''}`),
    delete: (name: string) => this.call<undefined>('DELETE', `/api/v1/webhooks/${enc(name)}`),
  };

  readonly jobs = {
    /** `runOn`: a hybrid worker group's name, or `cloud` (docs/hybrid-workers.md). */
    start: (runbook: string, parameters?: Record<string, unknown>, options: { runOn?: string } = {}) =>
      this.call<JobAccepted>('POST', '/api/v1/jobs', {
        runbook,
        ...(parameters ? { parameters } : {}),
        ...(options.runOn ? { runOn: options.runOn } : {}),
      }),
    list: (query: JobListQuery = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
      return this.call<Page<Job>>('GET', `/api/v1/jobs${q.size ? `?${q}` : ''}`);
    },
    get: (jobId: string) => this.call<Job>('GET', `/api/v1/jobs/${enc(jobId)}`),
    stop: (jobId: string) => this.call<JobAccepted>('POST', `/api/v1/jobs/${enc(jobId)}/stop`),
    streams: (jobId: string, types?: string) =>
      this.call<Page<StreamRecord>>('GET', `/api/v1/jobs/${enc(jobId)}/streams${types ? `?streamTypes=${enc(types)}` : ''}`),
    /**
     * Follows the job's records live (Server-Sent Events, reconnecting with Last-Event-ID) until
     * the job ends; resolves with the `end` event. A 4xx answer throws ApiError.
     */
    follow: async (jobId: string, opts: FollowOptions): Promise<JobEnd> => {
      const end = await followSse({
        url: `${this.url}/api/v1/jobs/${enc(jobId)}/streams?follow=true${opts.types ? `&streamTypes=${enc(opts.types)}` : ''}`,
        headers: this.authHeaders,
        lastEventId: opts.lastEventId,
        signal: opts.signal,
        onEvent: (ev) => {
          let record: StreamRecord;
          try {
            record = JSON.parse(ev.data) as StreamRecord;
          } catch {
            return; // not a record
          }
          opts.onRecord(record);
        },
      });
      return JSON.parse(end.data) as JobEnd;
    },
  };

  /** Hybrid worker groups (docs/hybrid-workers.md). */
  readonly workerGroups = {
    create: (name: string, description?: string) =>
      this.call<WorkerGroup>('POST', '/api/v1/workerGroups', { name, ...(description ? { description } : {}) }),
    /** A registration key for the group's workers; its `key` is shown in this answer only. */
    createKey: (group: string, description?: string) =>
      this.call<CreatedRegistrationKey>('POST', `/api/v1/workerGroups/${enc(group)}/keys`, description ? { description } : {}),
  };
}
