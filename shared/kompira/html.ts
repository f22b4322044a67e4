import type { KompiraObject, KompiraProcess, Page } from './objects';
import { DIRECTORY_TYPE } from './objects';

/**
 * Small, self-contained HTML pages for people who open a Kompira link or press an e-mail button
 * in a browser. Every value is escaped; pages load nothing from elsewhere (see PAGE_HEADERS).
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

/** Headers for every HTML page: no scripts, no external loads, no Referer (URLs may carry a token). */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  // frame-ancestors / X-Frame-Options: a page whose button starts a jobflow must not be framed
  // (clickjacking), docs/security.md.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}' +
  'pre{background:#f4f4f4;padding:1em;overflow:auto;white-space:pre-wrap}' +
  'table{border-collapse:collapse}td,th{text-align:left;padding:.2em .8em .2em 0;vertical-align:top}' +
  '.DONE{color:#080}.ABORTED{color:#b00}';

export function page(title: string, body: string, opts: { refreshSeconds?: number } = {}): string {
  const refresh = opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : '';
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">${refresh}` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n` +
    `<body>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`
  );
}

const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
const json = (v: unknown) => escapeHtml(JSON.stringify(v, null, 2));

export function jobflowPage(o: KompiraObject, links: { execute: string }): string {
  const params = (o.fields.parameters as Array<Record<string, unknown>> | undefined) ?? [];
  const paramRows = params.length
    ? `<table><tr><th>parameter</th><th>type</th><th>mandatory</th><th>default</th></tr>${params
        .map(
          (p) =>
            `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.type)}</td><td>${p.mandatory ? 'yes' : 'no'}</td><td>${p.default === undefined ? '' : json(p.default)}</td></tr>`,
        )
        .join('')}</table>`
    : '<p>No parameters.</p>';
  return page(
    `Jobflow ${o.abspath}`,
    `<table>${row('description', escapeHtml(o.description))}${row('parent', escapeHtml(o.parent_object))}` +
      `${row('multiplicity', escapeHtml(o.fields.multiplicity ?? 'unlimited'))}${row('updated', escapeHtml(o.updated))}</table>\n` +
      `<h2>Parameters</h2>${paramRows}\n<h2>Source</h2><pre>${escapeHtml(o.fields.source)}</pre>\n` +
      `<p>Start it with <code>POST ${escapeHtml(links.execute)}</code> (API key as <code>Authorization: Token …</code> or <code>?token=…</code>).</p>`,
  );
}

export function folderPage(path: string, list: Page<KompiraObject>, href: (abspath: string) => string): string {
  const items = list.results
    .map(
      (o) =>
        `<li><a href="${escapeHtml(href(o.abspath))}">${escapeHtml(o.display_name)}${o.type_object === DIRECTORY_TYPE ? '/' : ''}</a> <small>${escapeHtml(o.type_object)}</small></li>`,
    )
    .join('\n');
  const nav = [
    list.previous ? `<a href="${escapeHtml(list.previous)}">previous</a>` : '',
    list.next ? `<a href="${escapeHtml(list.next)}">next</a>` : '',
  ]
    .filter(Boolean)
    .join(' | ');
  return page(`Folder ${path}`, `<p>${list.count} object(s).</p>\n<ul>\n${items}\n</ul>${nav ? `\n<p>${nav}</p>` : ''}`);
}

const TERMINAL = new Set(['DONE', 'ABORTED']);

export function processPage(p: KompiraProcess): string {
  const running = !TERMINAL.has(p.status);
  return page(
    `Process ${p.id}`,
    `<table>${row('jobflow', escapeHtml(p.job ?? p.runbook))}` +
      `${row('status', `<strong class="${escapeHtml(p.status)}" id="status">${escapeHtml(p.status)}</strong> (${escapeHtml(p.hookbook_status)})`)}` +
      `${row('started by', escapeHtml(p.user))}${row('created', escapeHtml(p.created_time))}` +
      `${row('started', escapeHtml(p.started_time ?? '-'))}${row('finished', escapeHtml(p.finished_time ?? '-'))}` +
      `${row('returned value', `<code id="result">${json(p.result)}</code>`)}` +
      `${p.exception ? row('exception', `<span id="exception">${escapeHtml(p.exception)}</span>`) : ''}` +
      `${p.status_details ? row('details', escapeHtml(p.status_details)) : ''}</table>\n` +
      `<h2>Console</h2><pre id="console">${escapeHtml(p.console)}</pre>` +
      (running ? '\n<p>This page refreshes itself until the process ends.</p>' : ''),
    { refreshSeconds: running ? 3 : undefined },
  );
}

export function startedPage(jobflow: string, processPath: string, processHref: string | undefined): string {
  const link = processHref
    ? `<p><a id="process" href="${escapeHtml(processHref)}">Follow the process ${escapeHtml(processPath)}</a></p>`
    : `<p>Process: <code id="process">${escapeHtml(processPath)}</code> (open it with your API key).</p>`;
  return page('Job started', `<p>The jobflow <code>${escapeHtml(jobflow)}</code> was started.</p>\n${link}`);
}

export function errorPage(status: number, detail: string): string {
  return page(`Error ${status}`, `<p id="detail">${escapeHtml(detail)}</p>`);
}

export interface MailInput {
  actionUrl: string;
  message: string;
  buttonLabel: string;
  /** Hidden form fields: runbook parameters as the form will post them. */
  fields: Record<string, string>;
}

/** The notification e-mail of the seed: a message and a form whose button starts the jobflow. */
export function mailHtml(m: MailInput): string {
  const hidden = Object.entries(m.fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}" />`)
    .join('\n');
  const message = escapeHtml(m.message).replace(/\r?\n/g, '<br />\n');
  // The button has no name, so the browser posts only the runbook's parameters.
  return (
    '<html><body>\n' +
    `<p>${message}</p>\n` +
    `<form method="POST" action="${escapeHtml(m.actionUrl)}">\n` +
    (hidden ? hidden + '\n' : '') +
    `<input type="submit" value="${escapeHtml(m.buttonLabel)}" />\n` +
    '</form>\n</body></html>\n'
  );
}
