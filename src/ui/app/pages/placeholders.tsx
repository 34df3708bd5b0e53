import type { JSX } from 'preact';

// Pages whose APIs do not exist yet: a clear note, never made-up data.

const LATER: Record<string, { title: string; why: string }> = {
  jobs: { title: 'Jobs', why: 'Scheduled jobs come with the Chronos-compatible scheduler (its /scheduler API); this page will list jobs, their schedules and runs.' },
};

export const LATER_PAGES = Object.keys(LATER);

export function ComingLater({ page }: { page: string }): JSX.Element {
  const p = LATER[page];
  return (
    <>
      <h1>{p?.title ?? page}</h1>
      <div class="note" role="status">
        <strong>Not available yet.</strong> {p?.why ?? ''}
      </div>
    </>
  );
}

export function NotFound({ path }: { path: string }): JSX.Element {
  return (
    <>
      <h1>Not found</h1>
      <div class="error" role="alert">There is no page at #/{path}. <a href="#/">Go to the overview</a>.</div>
    </>
  );
}
