import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { formatAmount } from './model.js';

/** API errors are shown where the data would be, never swallowed. */
export function ErrorBox({ error, what }: { error: string | undefined; what?: string }): JSX.Element | null {
  if (error === undefined) return null;
  return (
    <div class="error" role="alert">
      <strong>{what ?? 'Request failed'}:</strong> {error}
    </div>
  );
}

export function Loading({ what }: { what: string }): JSX.Element {
  return <p class="muted" aria-live="polite">Loading {what}...</p>;
}

export function Updated({ at }: { at: number | undefined }): JSX.Element | null {
  if (at === undefined) return null;
  return <span class="muted small">updated {new Date(at).toLocaleTimeString()}</span>;
}

export function StateBadge({ state }: { state: string }): JSX.Element {
  const s = state.replace(/^TASK_/, '').toLowerCase();
  return <span class={`badge st-${s}`}>{s}</span>;
}

/** "used / total unit" with a bar; the text carries the meaning, the bar is decoration. */
export function UsageBar({ name, used, total }: { name: string; used: number; total: number }): JSX.Element {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <div class="usage">
      <div class="usage-label">
        <span>{name}</span>
        <span>
          {formatAmount(name, used)} / {formatAmount(name, total)} ({Math.round(pct)}%)
        </span>
      </div>
      <div class="bar" aria-hidden="true">
        <div class="bar-fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  class?: string;
}

const ROW_PX = 34;
const WINDOW_ROWS = 60;
const VIRTUAL_AFTER = 200;

/**
 * A table; past VIRTUAL_AFTER rows only the rows in view (plus a margin) are in the DOM, between
 * two spacer rows, so 10,000 tasks scroll smoothly. Rows have a fixed height (CSS: `.grid tr`).
 */
export function Table<T>({ rows, columns, rowKey, caption, empty }: { rows: readonly T[]; columns: Column<T>[]; rowKey: (r: T) => string; caption: string; empty: string }): JSX.Element {
  const [top, setTop] = useState(0);
  const virtual = rows.length > VIRTUAL_AFTER;
  const first = virtual ? Math.max(0, Math.floor(top / ROW_PX) - 10) : 0;
  const last = virtual ? Math.min(rows.length, first + WINDOW_ROWS) : rows.length;
  const table = (
    <table class="grid">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>{columns.map((c) => <th scope="col" class={c.class}>{c.header}</th>)}</tr>
      </thead>
      <tbody>
        {virtual && first > 0 ? <tr aria-hidden="true" style={{ height: `${first * ROW_PX}px` }} /> : null}
        {rows.slice(first, last).map((r) => (
          <tr key={rowKey(r)}>{columns.map((c) => <td class={c.class}>{c.cell(r)}</td>)}</tr>
        ))}
        {virtual && last < rows.length ? <tr aria-hidden="true" style={{ height: `${(rows.length - last) * ROW_PX}px` }} /> : null}
      </tbody>
    </table>
  );
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  if (!virtual) return <div class="table-wrap">{table}</div>;
  return (
    <div class="table-wrap virtual" tabIndex={0} role="region" aria-label={`${caption} (${rows.length} rows, scroll to see more)`} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      {table}
    </div>
  );
}

export function Section({ title, children, extra }: { title: string; children: ComponentChildren; extra?: ComponentChildren }): JSX.Element {
  return (
    <section class="card">
      <div class="card-head">
        <h2>{title}</h2>
        {extra}
      </div>
      {children}
    </section>
  );
}

/** Key/value facts of one object. */
export function Facts({ items }: { items: [string, ComponentChildren][] }): JSX.Element {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
