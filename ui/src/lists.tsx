import type { ComponentChildren, JSX } from 'preact';
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
