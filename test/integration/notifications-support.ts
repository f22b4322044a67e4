// A real notification receiver for the tests: an HTTP server on 127.0.0.1 that records every
// request (headers and the raw body, as a receiver verifies it) and answers as told per path:
// `ok` 200, `fail<N>` 500 for the first N requests then 200, `hang` never, `gone` 410, `down` 503,
// `redirect-same` / `redirect-other` 307 to `ok/after-<path>` on the same origin / on `localhost`.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../support/http';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What this receiver answered (0 while it hangs). */
  answered: number;
}

export interface Receiver {
  url(path: string): string;
  received: Received[];
  on(path: string): Received[];
  /** Change how a path answers from now on. */
  set(path: string, behaviour: string): void;
  waitFor(path: string, count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const behaviours = new Map<string, string>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!.slice(1);
      const r: Received = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: 0 };
      received.push(r);
      const behaviour = behaviours.get(path) ?? path.split('/')[0]!;
      const count = received.filter((x) => x.path === path).length;
      const answer = (status: number) => {
        r.answered = status;
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`answer ${status}`);
      };
      const fail = /^fail(\d+)$/.exec(behaviour);
      const redirect = /^redirect-(same|other)$/.exec(behaviour);
      if (redirect) {
        // To this very receiver, by the same origin or by another name of it (`localhost`).
        const host = redirect[1] === 'same' ? `127.0.0.1:${port}` : `localhost:${port}`;
        r.answered = 307;
        res.writeHead(307, { Location: `http://${host}/ok/after-${path.replace(/\//g, '-')}` }).end();
      } else if (behaviour === 'hang') hanging.add(res);
      else if (behaviour === 'gone') answer(410);
      else if (behaviour === 'down') answer(503);
      else if (fail) answer(count <= Number(fail[1]) ? 500 : 200);
      else answer(200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const on = (path: string) => received.filter((r) => r.path === path);
  return {
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    received,
    on,
    set: (path, behaviour) => behaviours.set(path, behaviour),
    waitFor: (path, count, timeoutMs = 45_000) =>
      waitFor(() => on(path).length >= count && on(path), `${count} request(s) on /${path}`, timeoutMs, 50),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
