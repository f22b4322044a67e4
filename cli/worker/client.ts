import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { WorkerConfig } from './config';

/**
 * The worker's HTTP client for the worker routes: keep-alive, the group's registration key as a
 * Bearer credential, the service authenticated over TLS by the system's CAs plus --ca, and, with
 * --pin, only certificates with a pinned SHA-256 fingerprint.
 */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** 409 on a job: another attempt owns it (our lease was taken over) or it has ended. */
export class LeaseLost extends ServiceError {}

/** No answer (network, TLS, timeout) or a 5xx/429: worth trying again. */
export class Unreachable extends Error {}

export interface Reply {
  status: number;
  json?: unknown;
}

export class WorkerClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(private readonly cfg: WorkerConfig) {
    this.base = new URL(`${cfg.url}/api/worker/v1/groups/${encodeURIComponent(cfg.group)}/`);
    if (this.base.protocol === 'https:') {
      const pins = cfg.pins;
      this.agent = new https.Agent({
        keepAlive: true,
        ...(cfg.ca ? { ca: [...(https.globalAgent.options.ca ? [https.globalAgent.options.ca].flat() : []), readFileSync(cfg.ca)] } : {}),
        checkServerIdentity: (host: string, cert: PeerCertificate) => {
          const error = checkServerIdentity(host, cert);
          if (error) return error;
          if (pins.length && !pins.includes(cert.fingerprint256.toUpperCase())) {
            return new Error(`the service's certificate (SHA-256 ${cert.fingerprint256}) is not one of the pinned ones`);
          }
          return undefined;
        },
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
  }

  /** POST `path` with a JSON body; 2xx → the reply, 409 → LeaseLost, 5xx/429/network → Unreachable, other 4xx → ServiceError. */
  post(path: string, body: unknown, timeoutMs = 30_000, signal?: AbortSignal): Promise<Reply> {
    const url = new URL(path, this.base);
    const data = Buffer.from(JSON.stringify(body));
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<Reply>((resolve, reject) => {
      const req = lib.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.cfg.key}`,
            'Content-Type': 'application/json',
            'Content-Length': data.length,
            'X-Hookbook-Worker': this.cfg.name,
          },
          timeout: timeoutMs,
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new Unreachable(e.message)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            const detail = (json as { detail?: string } | undefined)?.detail ?? text.slice(0, 300);
            if (status >= 200 && status < 300) resolve({ status, json });
            else if (status === 409) reject(new LeaseLost(status, detail));
            else if (status >= 500 || status === 429 || status === 408) reject(new Unreachable(`HTTP ${status}: ${detail}`));
            else reject(new ServiceError(status, `HTTP ${status}: ${detail}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(new Unreachable(e.message)));
      req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Try `fn` until it is answered: Unreachable → wait (250 ms doubling to 5 s, with jitter) and try
 * again while `keepTrying()` says so; any other outcome (an answer, 409, 4xx) is returned/thrown.
 */
export async function withRetry<T>(fn: () => Promise<T>, keepTrying: () => boolean, onRetry?: (e: Error) => void): Promise<T> {
  let delay = 250;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof Unreachable) || !keepTrying()) throw error;
      onRetry?.(error);
      await sleep(delay * (0.75 + Math.random() / 2));
      delay = Math.min(5000, delay * 2);
    }
  }
}
