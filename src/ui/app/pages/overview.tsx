import { onLiveEvent, recentEvents, useLiveStatus } from '../live.js';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ErrorBox, Loading, Section, StateBadge, Table, UsageBar } from '../components.js';
import { hasGpus, loadMasters, loadUsage, usageNow, useCluster, type MasterRow } from '../cluster.js';
import { UsageChart } from '../chart.js';
import { allTasks, countBy, sumResources } from '../model.js';
import { usePoll } from '../poll.js';
import { href } from '../router.js';

const LISTED_AGENTS = 10;

export function Overview(): JSX.Element {
  const { data: s, error, at } = useCluster();
  const masters = usePoll('masters', loadMasters);
  const usage = usePoll('usage', loadUsage, 5000);
  const history = usage.data?.samples ?? [];
  const lastSampled = history.at(-1)?.at ?? 0;
  // The page's latest /master/state reading closes the line between the leader's samples.
  const points = s !== undefined && at !== undefined && at > lastSampled ? [...history, usageNow(s, at)] : history;
  return (
    <>
      <h1>Overview</h1>
      <Section title="Masters">
        <ErrorBox what="Raft status" error={masters.error} />
        {masters.data ? <MastersTable rows={masters.data} /> : masters.error ? null : <Loading what="masters" />}
      </Section>
      <ErrorBox what="Cluster state" error={error} />
      {s === undefined ? (
        error ? null : <Loading what="cluster state" />
      ) : (
        <>
          <Section title="Leader">
            <p>
              <span data-testid="leader">{s.leader ?? 'no leader'}</span>
              {s.leader_info ? ` (${s.leader_info.hostname})` : ''}, tsmesos {s.tsmesos_version ?? s.version}
            </p>
          </Section>
          <div class="cols">
            <Section title="Agents">
              <ul class="stats">
                <li><a href={href('agents')}><strong data-testid="agents-up">{s.slaves.filter((a) => a.active).length}</strong> up</a></li>
                <li><strong>{s.recovered_slaves.length}</strong> recovered (not yet re-registered)</li>
                <li><strong data-testid="agents-unreachable">{s.unreachable_slaves}</strong> unreachable</li>
              </ul>
              <ul class="plain">
                {s.slaves.slice(0, LISTED_AGENTS).map((a) => (
                  <li><a href={href('agents', a.id)}>{a.hostname}</a> <span class="muted mono">{a.id}</span></li>
                ))}
                {s.slaves.length > LISTED_AGENTS ? <li><a href={href('agents')}>and {s.slaves.length - LISTED_AGENTS} more</a></li> : null}
              </ul>
            </Section>
            <Section title="Resources">
              {['cpus', 'mem', 'disk', 'gpus'].map((r) => (
                <UsageBar name={r} used={sumResources(s.slaves.map((a) => a.used_resources), r)} total={sumResources(s.slaves.map((a) => a.resources), r)} />
              ))}
            </Section>
            <Section title="Tasks by state">
              <TaskCounts counts={countBy(allTasks(s), (t) => t.state)} />
            </Section>
          </div>
          <Section title="Usage, last hour">
            <ErrorBox what="Usage history" error={usage.error} />
            <UsageChart samples={points} gpus={hasGpus(s)} intervalMs={usage.data?.intervalMs} />
          </Section>
          <Section title="Recent events">
            <RecentEvents />
          </Section>
        </>
      )}
    </>
  );
}

function TaskCounts({ counts }: { counts: Map<string, number> }): JSX.Element {
  if (counts.size === 0) return <p class="muted">No tasks yet.</p>;
  return (
    <ul class="stats">
      {[...counts].sort().map(([state, n]) => (
        <li>
          <a href={href('tasks', { state })}><strong>{n}</strong> <StateBadge state={state} /></a>
        </li>
      ))}
    </ul>
  );
}

function MastersTable({ rows }: { rows: MasterRow[] }): JSX.Element {
  const n = (v: number | undefined): string => (v === undefined ? '-' : String(v));
  return (
    <Table
      caption="Masters and their Raft state"
      rows={rows}
      rowKey={(r) => r.id}
      empty="No masters known."
      columns={[
        { header: 'Address', cell: (r) => <a href={`${location.protocol}//${r.id}/`}>{r.id}</a> },
        { header: 'Role', cell: (r) => <span data-testid="raft-role" class={`role role-${r.status?.role ?? 'unreachable'}`}>{r.learner ? 'learner' : r.status?.role ?? 'unreachable'}</span> },
        { header: 'Term', cell: (r) => n(r.status?.term), class: 'num' },
        { header: 'Commit', cell: (r) => n(r.status?.commit), class: 'num' },
        { header: 'Applied', cell: (r) => n(r.status?.applied), class: 'num' },
        { header: 'Lag', cell: (r) => n(r.lag), class: 'num' },
        { header: 'Error', cell: (r) => r.error ?? '' },
      ]}
    />
  );
}

/** The operator stream's latest events (live.ts), newest first. */
function RecentEvents(): JSX.Element {
  const streaming = useLiveStatus();
  const [, setTick] = useState(0);
  useEffect(() => {
    const off = onLiveEvent(() => setTick((n) => n + 1));
    setTick((n) => n + 1); // events may have come between the first render and this effect
    return off;
  }, []);
  const events = recentEvents();
  if (events.length === 0) {
    return <p class="muted">{streaming ? 'No events since this page opened.' : 'The operator event stream is not open on this master (a follower, or reconnecting); the page polls every 2 s.'}</p>;
  }
  return (
    <ul class="events">
      {events.slice(0, 20).map((e) => (
        <li><time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time> {e.type.toLowerCase().replace(/_/g, ' ')}: {e.summary}</li>
      ))}
    </ul>
  );
}
