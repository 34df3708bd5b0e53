import type { JSX } from 'preact';
import { ErrorBox, Facts, Loading, Section, StateBadge, Table } from '../components.js';
import { useCluster } from '../cluster.js';
import { agentBase } from '../http.js';
import { allTasks, formatAmount, formatTime, scalar } from '../model.js';
import { href } from '../router.js';
import { Sandbox } from './sandbox.js';

export function TaskDetail({ frameworkId, taskId, query }: { frameworkId: string; taskId: string; query: URLSearchParams }): JSX.Element {
  const { data: s, error } = useCluster();
  const t = s ? allTasks(s).find((x) => x.framework_id === frameworkId && x.id === taskId) : undefined;
  const agent = s?.slaves.find((a) => a.id === t?.slave_id);
  const base = agent ? agentBase(agent.pid) : null;
  return (
    <>
      <h1>Task {taskId}</h1>
      <ErrorBox what="Cluster state" error={error} />
      {!s ? (error ? null : <Loading what="task" />) : !t ? (
        <div class="error" role="alert">No task {taskId} of framework {frameworkId} in /master/state.</div>
      ) : (
        <>
          <Section title="Task">
            <Facts items={[
              ['Name', t.name],
              ['State', <span data-testid="task-state"><StateBadge state={t.state} /></span>],
              ['Framework', <a href={href('frameworks', t.framework_id)}>{t.frameworkName}</a>],
              ['Agent', <a href={href('agents', t.slave_id)}>{t.agentHostname}</a>],
              ['Role', t.role ?? '-'],
              ['Resources', `${formatAmount('cpus', scalar(t.resources, 'cpus'))} CPUs, ${formatAmount('mem', scalar(t.resources, 'mem'))} memory${typeof t.resources['ports'] === 'string' ? `, ports ${t.resources['ports']}` : ''}`],
            ]} />
          </Section>
          <Section title="Status history">
            <Table
              caption="Status updates, oldest first"
              rows={t.statuses.map((st, i) => ({ ...st, i }))}
              rowKey={(st) => String(st.i)}
              empty="No status updates yet."
              columns={[
                { header: 'State', cell: (st) => <StateBadge state={st.state} /> },
                { header: 'Time', cell: (st) => formatTime(st.timestamp) },
              ]}
            />
          </Section>
          {base === null ? (
            <Section title="Sandbox">
              <div class="error" role="alert">The agent {t.slave_id} is not active: its sandbox cannot be read now.</div>
            </Section>
          ) : (
            <Sandbox agent={base} frameworkId={frameworkId} taskId={taskId} query={query} />
          )}
        </>
      )}
    </>
  );
}
