import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Empty, ErrorBox } from './components';

/**
 * The markup every list page repeated: a table of rows in its scrolling wrapper, the list's error and
 * its empty state, and the folded "New …" form above it.
 */

/** A header cell: its text, or its text and a class (`num` right-aligns a column of numbers). */
export type Column = string | { label: string; class: string };

export interface TableProps<T> {
  /** The table's `data-testid`. */
  testid: string;
  columns: Column[];
  rows: T[];
  row: (item: T, i: number) => JSX.Element;
  class?: string;
  /** Set: the rows on screen are not yet those asked for (`aria-busy` on the table). */
  busy?: boolean;
}

/** A table in its `table-wrap` (which scrolls it sideways on a narrow screen). */
export function DataTable<T>({ testid, columns, rows, row, class: cls, busy }: TableProps<T>) {
  return (
    <div class="table-wrap">
      <table class={cls} aria-busy={busy} data-testid={testid}>
        <thead>
          <tr>{columns.map((c) => (typeof c === 'string' ? <th>{c}</th> : <th class={c.class}>{c.label}</th>))}</tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
    </div>
  );
}

/**
 * A loaded list: its error, then `empty` when it loaded with nothing in it (and is not `busy`), or
 * its table when it has rows. Nothing while it first loads.
 */
export function ListView<T>({
  error,
  items,
  empty,
  ...table
}: { error?: unknown; items: T[] | undefined; empty?: ComponentChildren } & Omit<TableProps<T>, 'rows'>) {
  return (
    <>
      <ErrorBox error={error} />
      {empty && items?.length === 0 && !table.busy && <Empty>{empty}</Empty>}
      {!!items?.length && <DataTable {...table} rows={items} />}
    </>
  );
}

/** The "New …" form of a list, folded under its summary; the page holds whether it is `open`. */
export function CreatePanel({
  summary,
  open,
  onToggle,
  children,
}: {
  summary: string;
  open: boolean;
  onToggle: (open: boolean) => void;
  children: ComponentChildren;
}) {
  return (
    <details class="create" open={open} onToggle={(e) => onToggle((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{summary}</summary>
      {children}
    </details>
  );
}

/** `datetime-local` value (local wall time) ↔ ISO instant for the API. */
const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);
const toLocal = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** The From and To filters of a listing: local wall time on screen, ISO instants in the URL and to the API. */
export function TimeRange({ from, to, set }: { from?: string; to?: string; set: (k: 'from' | 'to', iso: string | undefined) => void }) {
  return (
    <>
      <label>
        From
        <input name="from" type="datetime-local" value={toLocal(from)} onChange={(e) => set('from', toIso(e.currentTarget.value))} />
      </label>
      <label>
        To
        <input name="to" type="datetime-local" value={toLocal(to)} onChange={(e) => set('to', toIso(e.currentTarget.value))} />
      </label>
    </>
  );
}

/**
 * The pages of a listing the API answers in pages with a continuation token, newest first:
 * `tokens[i]` fetches page i (page 0 has none). A change of `key` (the filters) starts again at page
 * 0 in the same render, so no request asks for an old page with new filters. `current` names the
 * page on screen: tag its answer with it, and until the answer for `current` is in, the page is busy.
 */
export function usePages(key: string) {
  const [nav, setNav] = useState<{ key: string; tokens: (string | undefined)[]; pageNo: number }>({ key, tokens: [undefined], pageNo: 0 });
  const { tokens, pageNo } = nav.key === key ? nav : { tokens: [undefined], pageNo: 0 };
  return {
    pageNo,
    token: tokens[pageNo],
    current: `${key}|${pageNo}|${tokens[pageNo] ?? ''}`,
    newer: () => setNav({ key, tokens, pageNo: pageNo - 1 }),
    older: (next: string) => {
      const copy = tokens.slice(0, pageNo + 1);
      copy[pageNo + 1] = next;
      setNav({ key, tokens: copy, pageNo: pageNo + 1 });
    },
  };
}

/** Newer and Older under a paged listing; `next` is the token of the older page, if there is one. */
export function Pager({ pages, busy, next }: { pages: ReturnType<typeof usePages>; busy: boolean; next?: string }) {
  return (
    <nav class="pager" aria-label="Pages" data-more={busy ? undefined : next ? 'yes' : 'no'}>
      <button type="button" disabled={busy || pages.pageNo === 0} onClick={pages.newer}>
        ← Newer
      </button>
      <span data-testid="page-no">Page {pages.pageNo + 1}</span>
      <button type="button" disabled={busy || !next} onClick={() => next && pages.older(next)}>
        Older →
      </button>
    </nav>
  );
}
