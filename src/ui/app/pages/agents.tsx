import { ActionButton, operatorAction } from '../actions.js';
import type { JSX } from 'preact';
import { ErrorBox, Facts, Loading, Section, StateBadge, Table, UsageBar } from '../components.js';
import { useCluster } from '../cluster.js';
import { allTasks, formatAmount, formatTime, scalar, TERMINAL_STATES } from '../model.js';
import { href } from '../router.js';
import type { LegacyAgent, ResourceMap } from '../types.js';

const attrs = (a: LegacyAgent): string => Object.entries(a.attributes).map(([k, v]) => `${k}:${v}`).join('; ');
const res = (used: ResourceMap, total: ResourceMap, name: string): string => `${formatAmount(name, scalar(used, name))} / ${formatAmount(name, scalar(total, name))}`;

export function Agents(): JSX.Element {
  const { data: s, error } = useCluster();
  const running = new Map<string, number>();
  if (s) for (const t of allTasks(s)) if (!TERMINAL_STATES.has(t.state)) running.set(t.slave_id, (running.get(t.slave_id) ?? 0) + 1);
  return (
    <>
      <h1>Agents</h1>
      <ErrorBox what="Cluster state" error={error} />
      {!s ? (error ? null : <Loading what="agents" />) : (
        <Section title={s.slaves.length === 1 ? '1 agent' : `${s.slaves.length} agents`} extra={s.unreachable_slaves > 0 ? <span class="warn">{s.unreachable_slaves} unreachable</span> : undefined}>
          <Table
            caption="Agents"
            rows={s.slaves}
            rowKey={(a) => a.id}
            empty="No agents have registered."
            columns={[
              { header: 'Host', cell: (a) => <a href={href('agents', a.id)}>{a.hostname}</a> },
              { header: 'ID', cell: (a) => <span class="mono">{a.id}</span> },
              { header: 'State', cell: (a) => (a.drain_info ? a.drain_info.state.toLowerCase() : a.deactivated ? 'deactivated' : a.active ? 'active' : 'inactive') },
              { header: 'CPUs', cell: (a) => res(a.used_resources, a.resources, 'cpus'), class: 'num' },
              { header: 'Memory', cell: (a) => res(a.used_resources, a.resources, 'mem'), class: 'num' },
              { header: 'Disk', cell: (a) => res(a.used_resources, a.resources, 'disk'), class: 'num' },
              { header: 'Attributes', cell: attrs },
              { header: 'Running tasks', cell: (a) => <a href={href('tasks', { agent: a.id })}>{running.get(a.id) ?? 0}</a>, class: 'num' },
            ]}
          />
        </Section>
      )}
    </>
  );
}

export function AgentDetail({ id }: { id: string }): JSX.Element {
  const { data: s, error } = useCluster();
  const a = s?.slaves.find((x) => x.id === id);
  const tasks = s ? allTasks(s).filter((t) => t.slave_id === id && !t.completed) : [];
  return (
    <>
      <h1>Agent {a?.hostname ?? ''} <span class="muted mono small">{id}</span></h1>
      <ErrorBox what="Cluster state" error={error} />
      {!s ? (error ? null : <Loading what="agent" />) : !a ? (
        <div class="error" role="alert">No active agent {id} in /master/state{s.recovered_slaves.some((r) => r.id === id) ? ' (it is recovered: waiting for it to re-register)' : ''}.</div>
      ) : (
        <>
          <Section title="Agent" extra={
            <span class="actions">
              {a.deactivated
                ? <ActionButton label="Reactivate" confirm={`Offer agent ${a.hostname}'s resources again?`} run={() => operatorAction({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } })} />
                : <ActionButton label="Deactivate" confirm={`Stop offering agent ${a.hostname}'s resources? Its tasks keep running.`} run={() => operatorAction({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: id } } })} />}
              {a.drain_info === undefined
                ? <ActionButton label="Drain" confirm={`Drain agent ${a.hostname}? No new offers; its tasks are killed (each with its own grace period). Reactivate it once it is drained.`} run={() => operatorAction({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id } } })} />
                : null}
              <ActionButton label="Mark gone" confirm={`Mark agent ${a.hostname} gone for good? Its tasks are lost and it cannot come back under this id.`} run={() => operatorAction({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: id } } })} />
            </span>
          }>
            <Facts items={[
              ['Address', <a href={`http://${a.pid.split('@')[1] ?? ''}/state`}>{a.pid}</a>],
              ['State', a.drain_info ? (a.drain_info.state === 'DRAINING' ? 'draining (tasks are being killed)' : 'drained (no offers, no tasks)') : a.deactivated ? 'deactivated (no offers)' : a.active ? 'active' : 'inactive'],
              ['Registered', formatTime(a.registered_time)],
              ['Re-registered', formatTime(a.reregistered_time ?? 0)],
              ['Version', a.version],
              ['Attributes', attrs(a) || '-'],
            ]} />
          </Section>
          <Section title="Resources">
            {['cpus', 'mem', 'disk', 'gpus'].filter((r) => r !== 'gpus' || scalar(a.resources, r) > 0).map((r) => (
              <UsageBar name={r} used={scalar(a.used_resources, r)} total={scalar(a.resources, r)} />
            ))}
            {typeof a.resources['ports'] === 'string' ? <p>ports {a.resources['ports']}</p> : null}
          </Section>
          <Section title={`Tasks (${tasks.length})`}>
            <Table
              caption={`Tasks on ${a.hostname}`}
              rows={tasks}
              rowKey={(t) => `${t.framework_id}/${t.id}`}
              empty="No tasks on this agent."
              columns={[
                { header: 'Task', cell: (t) => <a href={href('tasks', t.framework_id, t.id)}>{t.id}</a> },
                { header: 'Name', cell: (t) => t.name },
                { header: 'State', cell: (t) => <StateBadge state={t.state} /> },
                { header: 'Framework', cell: (t) => <a href={href('frameworks', t.framework_id)}>{t.frameworkName}</a> },
              ]}
            />
          </Section>
        </>
      )}
    </>
  );
}
