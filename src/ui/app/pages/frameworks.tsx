import { ActionButton, operatorAction } from '../actions.js';
import type { JSX } from 'preact';
import { ErrorBox, Facts, Loading, Section, StateBadge, Table } from '../components.js';
import { useCluster } from '../cluster.js';
import { formatAmount, formatTime, scalar } from '../model.js';
import { href } from '../router.js';
import type { LegacyFramework, LegacyTask } from '../types.js';

const roles = (f: LegacyFramework): string => (f.roles ?? [f.role ?? '*']).join(', ');
const status = (f: LegacyFramework, completed: boolean): string => (completed ? 'completed' : !f.active ? 'inactive' : f.connected ? 'connected' : 'disconnected');

export function Frameworks(): JSX.Element {
  const { data: s, error } = useCluster();
  const rows = s ? [...s.frameworks.map((f) => ({ f, completed: false })), ...s.completed_frameworks.map((f) => ({ f, completed: true }))] : [];
  return (
    <>
      <h1>Frameworks</h1>
      <ErrorBox what="Cluster state" error={error} />
      {!s ? (error ? null : <Loading what="frameworks" />) : (
        <Section title={`${s.frameworks.length} active, ${s.completed_frameworks.length} completed`}>
          <Table
            caption="Frameworks"
            rows={rows}
            rowKey={(r) => r.f.id}
            empty="No frameworks have subscribed."
            columns={[
              { header: 'Name', cell: (r) => <a href={href('frameworks', r.f.id)}>{r.f.name || '(unnamed)'}</a> },
              { header: 'ID', cell: (r) => <span class="mono">{r.f.id}</span> },
              { header: 'Status', cell: (r) => status(r.f, r.completed) },
              { header: 'User', cell: (r) => r.f.user },
              { header: 'Roles', cell: (r) => roles(r.f) },
              { header: 'Active tasks', cell: (r) => <a href={href('tasks', { framework: r.f.id })}>{r.f.tasks.length}</a>, class: 'num' },
              { header: 'CPUs', cell: (r) => formatAmount('cpus', scalar(r.f.used_resources, 'cpus')), class: 'num' },
              { header: 'Memory', cell: (r) => formatAmount('mem', scalar(r.f.used_resources, 'mem')), class: 'num' },
              { header: 'Registered', cell: (r) => formatTime(r.f.registered_time) },
            ]}
          />
        </Section>
      )}
    </>
  );
}

export function FrameworkDetail({ id }: { id: string }): JSX.Element {
  const { data: s, error } = useCluster();
  const active = s?.frameworks.find((f) => f.id === id);
  const f = active ?? s?.completed_frameworks.find((x) => x.id === id);
  return (
    <>
      <h1>Framework {f?.name ?? ''} <span class="muted mono small">{id}</span></h1>
      <ErrorBox what="Cluster state" error={error} />
      {!s ? (error ? null : <Loading what="framework" />) : !f ? (
        <div class="error" role="alert">No framework {id} in /master/state.</div>
      ) : (
        <>
          <Section title="Framework" extra={active !== undefined ? (
            <ActionButton label="Teardown" confirm={`Tear down framework ${f.name}? All its tasks are killed.`} run={() => operatorAction({ type: 'TEARDOWN', teardown: { framework_id: { value: id } } })} />
          ) : undefined}>
            <Facts items={[
              ['Status', status(f, active === undefined)],
              ['User', f.user],
              ['Roles', roles(f)],
              ['Principal', f.principal ?? '-'],
              ['Hostname', f.hostname || '-'],
              ['Web UI', f.webui_url ? <a href={f.webui_url}>{f.webui_url}</a> : '-'],
              ['Capabilities', f.capabilities.join(', ') || '-'],
              ['Registered', formatTime(f.registered_time)],
              ['Outstanding offers', String(f.offers.length)],
              ['Using', `${formatAmount('cpus', scalar(f.used_resources, 'cpus'))} CPUs, ${formatAmount('mem', scalar(f.used_resources, 'mem'))} memory`],
            ]} />
          </Section>
          <Section title={`Active tasks (${f.tasks.length})`}>
            <TaskTable tasks={f.tasks} caption="Active tasks" empty="No active tasks." />
          </Section>
          <Section title={`Completed tasks (${f.completed_tasks.length})`}>
            <TaskTable tasks={f.completed_tasks} caption="Completed tasks" empty="No completed tasks." />
          </Section>
        </>
      )}
    </>
  );
}

function TaskTable({ tasks, caption, empty }: { tasks: LegacyTask[]; caption: string; empty: string }): JSX.Element {
  return (
    <Table
      caption={caption}
      rows={tasks}
      rowKey={(t) => t.id}
      empty={empty}
      columns={[
        { header: 'Task', cell: (t) => <a href={href('tasks', t.framework_id, t.id)}>{t.id}</a> },
        { header: 'Name', cell: (t) => t.name },
        { header: 'State', cell: (t) => <StateBadge state={t.state} /> },
        { header: 'Agent', cell: (t) => <a href={href('agents', t.slave_id)} class="mono">{t.slave_id}</a> },
        { header: 'Updated', cell: (t) => formatTime(t.statuses.at(-1)?.timestamp ?? 0) },
      ]}
    />
  );
}
