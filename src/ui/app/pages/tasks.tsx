import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox, Loading, Section, StateBadge, Table } from '../components.js';
import { useCluster } from '../cluster.js';
import { allTasks, formatTime, type TaskRow } from '../model.js';
import { href } from '../router.js';

export interface TaskFilter {
  state: string;
  framework: string;
  agent: string;
  q: string;
}

export const filterFrom = (query: URLSearchParams): TaskFilter => ({
  state: query.get('state') ?? '', framework: query.get('framework') ?? '', agent: query.get('agent') ?? '', q: query.get('q') ?? '',
});

export function matches(t: TaskRow, f: TaskFilter): boolean {
  const q = f.q.trim().toLowerCase();
  return (f.state === '' || t.state === f.state)
    && (f.framework === '' || t.framework_id === f.framework)
    && (f.agent === '' || t.slave_id === f.agent)
    && (q === '' || t.name.toLowerCase().includes(q) || t.id.toLowerCase().includes(q));
}

export function Tasks({ query }: { query: URLSearchParams }): JSX.Element {
  const { data: s, error } = useCluster();
  const [filter, setFilter] = useState<TaskFilter>(() => filterFrom(query));
  const set = (k: keyof TaskFilter, v: string): void => {
    const next = { ...filter, [k]: v };
    setFilter(next);
    // The filter is part of the link (no history entry per keystroke).
    history.replaceState(null, '', href('tasks', { ...next }));
  };
  const tasks = s ? allTasks(s) : [];
  const shown = tasks.filter((t) => matches(t, filter));
  const states = [...new Set(tasks.map((t) => t.state))].sort();
  const fws = s ? [...s.frameworks, ...s.completed_frameworks] : [];
  return (
    <>
      <h1>Tasks</h1>
      <ErrorBox what="Cluster state" error={error} />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>State
          <select value={filter.state} onChange={(e) => set('state', e.currentTarget.value)}>
            <option value="">any</option>
            {[...new Set([...states, ...(filter.state ? [filter.state] : [])])].map((st) => <option value={st}>{st}</option>)}
          </select>
        </label>
        <label>Framework
          <select value={filter.framework} onChange={(e) => set('framework', e.currentTarget.value)}>
            <option value="">any</option>
            {fws.map((f) => <option value={f.id}>{f.name || f.id}</option>)}
          </select>
        </label>
        <label>Agent
          <select value={filter.agent} onChange={(e) => set('agent', e.currentTarget.value)}>
            <option value="">any</option>
            {(s?.slaves ?? []).map((a) => <option value={a.id}>{a.hostname} ({a.id})</option>)}
          </select>
        </label>
        <label>Name or ID
          <input type="search" value={filter.q} onInput={(e) => set('q', e.currentTarget.value)} placeholder="filter" />
        </label>
      </form>
      {!s ? (error ? null : <Loading what="tasks" />) : (
        <Section title={`${shown.length} of ${tasks.length} task${tasks.length === 1 ? '' : 's'}`}>
          <Table
            caption="Tasks"
            rows={shown}
            rowKey={(t) => `${t.framework_id}/${t.id}`}
            empty="No task matches."
            columns={[
              { header: 'Task', cell: (t) => <a href={href('tasks', t.framework_id, t.id)}>{t.id}</a> },
              { header: 'Name', cell: (t) => t.name },
              { header: 'State', cell: (t) => <StateBadge state={t.state} /> },
              { header: 'Framework', cell: (t) => <a href={href('frameworks', t.framework_id)}>{t.frameworkName}</a> },
              { header: 'Agent', cell: (t) => <a href={href('agents', t.slave_id)}>{t.agentHostname}</a> },
              { header: 'Updated', cell: (t) => formatTime(t.statuses.at(-1)?.timestamp ?? 0) },
            ]}
          />
        </Section>
      )}
    </>
  );
}
