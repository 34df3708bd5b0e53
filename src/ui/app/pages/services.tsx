import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ActionButton, servicesAction } from '../actions.js';
import { ErrorBox, Facts, Loading, Section, StateBadge, Table } from '../components.js';
import { useCluster } from '../cluster.js';
import { readMaster } from '../http.js';
import { formatAmount } from '../model.js';
import { POLL_MS, usePoll } from '../poll.js';
import { href } from '../router.js';
import { CreateApp } from './app-create.js';

// Long-running services of the built-in Marathon-compatible scheduler, read from its /v2 API on
// the page's master; scale, restart and delete go through the same API.

interface App {
  id: string;
  cmd?: string;
  args?: string[];
  instances: number;
  cpus: number;
  mem: number;
  version?: string;
  container?: { docker?: { image?: string } };
  tasksRunning?: number;
  tasksStaged?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: { id: string }[];
}

interface HealthResult { alive: boolean; consecutiveFailures: number; lastSuccess: string | null; lastFailure: string | null; lastFailureCause: string | null }

interface Deployment {
  id: string;
  version: string;
  affectedApps: string[];
  currentStep: number;
  totalSteps: number;
  currentActions: { action: string; app: string }[];
}

function health(r: HealthResult[] | undefined): string {
  const h = r?.[0];
  if (h === undefined) return '-';
  if (h.alive) return `healthy${h.lastSuccess !== null ? ` (checked ${new Date(h.lastSuccess).toLocaleTimeString()})` : ''}`;
  return `unhealthy, ${h.consecutiveFailures} failure${h.consecutiveFailures === 1 ? '' : 's'}${h.lastFailureCause !== null ? `: ${h.lastFailureCause}` : ''}`;
}

interface AppTask {
  healthCheckResults?: HealthResult[];
  id: string;
  host?: string;
  ports?: number[];
  state?: string;
  startedAt?: string;
  version?: string;
}

const pathOf = (id: string): string => id.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
const linkOf = (id: string): string => href('services', ...id.split('/').filter((s) => s !== ''));
const status = (a: App): string => ((a.deployments?.length ?? 0) > 0 ? 'deploying' : a.instances === 0 ? 'suspended' : (a.tasksRunning ?? 0) >= a.instances ? 'running' : 'waiting');

export function Services(): JSX.Element {
  const { data, error } = usePoll('apps', (signal) => readMaster<{ apps: App[] }>('/v2/apps', signal), POLL_MS, true);
  const apps = [...(data?.apps ?? [])].sort((x, y) => (x.id < y.id ? -1 : 1));
  return (
    <>
      <h1>Services</h1>
      <CreateApp onCreated={(id) => { location.hash = linkOf(id); }} />
      <ErrorBox what="Services (/v2/apps)" error={error} />
      {!data ? (error ? null : <Loading what="services" />) : (
        <Section title={`${apps.length} app${apps.length === 1 ? '' : 's'}`}>
          <Table
            caption="Services"
            rows={apps}
            rowKey={(a) => a.id}
            empty="No apps. Create one above, with POST /v2/apps or `tsmesos app create`."
            columns={[
              { header: 'App', cell: (a) => <a href={linkOf(a.id)}>{a.id}</a> },
              { header: 'Status', cell: status },
              { header: 'Running', cell: (a) => `${a.tasksRunning ?? 0} of ${a.instances}`, class: 'num' },
              { header: 'Healthy', cell: (a) => String(a.tasksHealthy ?? 0), class: 'num' },
              { header: 'CPUs', cell: (a) => formatAmount('cpus', a.cpus), class: 'num' },
              { header: 'Memory', cell: (a) => formatAmount('mem', a.mem), class: 'num' },
              { header: 'Version', cell: (a) => <span class="mono small">{a.version ?? ''}</span> },
            ]}
          />
        </Section>
      )}
    </>
  );
}

export function ServiceDetail({ id }: { id: string }): JSX.Element {
  const path = pathOf(id);
  const [deleting, setDeleting] = useState(false);
  const app = usePoll(`app:${id}`, (signal) => readMaster<{ app: App }>(`/v2/apps/${path}`, signal), POLL_MS, true, deleting);
  const tasks = usePoll(`app-tasks:${id}`, (signal) => readMaster<{ tasks: AppTask[] }>(`/v2/apps/${path}/tasks`, signal), POLL_MS, true, deleting);
  const deployments = usePoll('deployments', (signal) => readMaster<Deployment[]>('/v2/deployments', signal), POLL_MS, true, deleting);
  const mine = (deployments.data ?? []).filter((d) => d.affectedApps.includes(id));
  const remove = async (): Promise<void> => {
    setDeleting(true);
    try {
      await servicesAction('DELETE', `/v2/apps/${path}`);
    } catch (e) {
      setDeleting(false);
      throw e;
    }
    location.hash = href('services');
  };
  const { data: s } = useCluster();
  const frameworkId = s?.frameworks.find((f) => f.name === 'tsmesos-services')?.id;
  const [instances, setInstances] = useState('');
  const a = app.data?.app;
  return (
    <>
      <h1>Service {id}</h1>
      <ErrorBox what={`App ${id}`} error={app.error} />
      {!a ? (app.error ? null : <Loading what="app" />) : (
        <>
          <Section title="App" extra={
            <span class="actions">
              <label>Instances <input type="number" min="0" max="10000" value={instances} placeholder={String(a.instances)} onInput={(e) => setInstances(e.currentTarget.value)} /></label>
              <ActionButton label="Scale" confirm={`Scale ${id} to ${instances === '' ? a.instances : instances} instances?`} run={() => servicesAction('PUT', `/v2/apps/${path}`, { instances: Number(instances === '' ? a.instances : instances) })} />
              <ActionButton label="Suspend" confirm={`Suspend ${id} (scale it to 0 instances)?`} run={() => servicesAction('PUT', `/v2/apps/${path}`, { instances: 0 })} />
              <ActionButton label="Restart" confirm={`Restart every instance of ${id} (a rolling restart per its upgrade strategy)?`} run={() => servicesAction('POST', `/v2/apps/${path}/restart`)} />
              <ActionButton label="Delete" confirm={`Delete ${id}? Its tasks are killed.`} run={remove} />
            </span>
          }>
            <Facts items={[
              ['Status', status(a)],
              ['Instances', `${a.tasksRunning ?? 0} running, ${a.tasksStaged ?? 0} staged, ${a.tasksHealthy ?? 0} healthy of ${a.instances}`],
              ['Command', a.cmd ?? (a.args ?? []).join(' ')],
              ['Image', a.container?.docker?.image ?? '-'],
              ['Resources', `${formatAmount('cpus', a.cpus)} CPUs, ${formatAmount('mem', a.mem)} memory`],
              ['Version', a.version ?? ''],
              ['Deployments', (a.deployments ?? []).map((d) => d.id).join(', ') || 'none'],
            ]} />
          </Section>
          <Section title={`Deployments (${mine.length})`}>
            <ErrorBox what="Deployments" error={deployments.error} />
            <Table
              caption={`Deployments of ${id}`}
              rows={mine}
              rowKey={(d) => d.id}
              empty="No deployment in progress."
              columns={[
                { header: 'Deployment', cell: (d) => <span class="mono">{d.id}</span> },
                { header: 'Progress', cell: (d) => `step ${d.currentStep} of ${d.totalSteps}` },
                { header: 'Doing', cell: (d) => d.currentActions.map((x) => `${x.action.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase()} ${x.app}`).join(', ') },
                { header: 'Version', cell: (d) => <span class="mono small">{d.version}</span> },
                {
                  header: 'Actions',
                  cell: (d) => <ActionButton label="Roll back" confirm={`Roll back deployment ${d.id}? The apps it changes go back to their previous definition.`} run={() => servicesAction('DELETE', `/v2/deployments/${encodeURIComponent(d.id)}`)} />,
                },
              ]}
            />
          </Section>
          <Section title={`Tasks (${tasks.data?.tasks.length ?? 0})`}>
            <ErrorBox what="Tasks" error={tasks.error} />
            <Table
              caption={`Tasks of ${id}`}
              rows={tasks.data?.tasks ?? []}
              rowKey={(t) => t.id}
              empty="No tasks."
              columns={[
                { header: 'Task', cell: (t) => (frameworkId !== undefined ? <a href={href('tasks', frameworkId, t.id)}>{t.id}</a> : t.id) },
                { header: 'State', cell: (t) => (t.state !== undefined ? <StateBadge state={t.state} /> : '') },
                { header: 'Host', cell: (t) => t.host ?? '' },
                { header: 'Health', cell: (t) => <span data-testid="task-health">{health(t.healthCheckResults)}</span> },
                { header: 'Ports', cell: (t) => (t.ports ?? []).join(', ') },
                { header: 'Started', cell: (t) => t.startedAt ?? '' },
              ]}
            />
          </Section>
        </>
      )}
    </>
  );
}
