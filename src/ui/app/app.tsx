import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { ClusterContext, loadMembers, loadState } from './cluster.js';
import { usePoll, POLL_MS } from './poll.js';
import { useLiveStatus } from './live.js';
import { href, useRoute, type Route } from './router.js';
import { Overview } from './pages/overview.js';
import { AgentDetail, Agents } from './pages/agents.js';
import { FrameworkDetail, Frameworks } from './pages/frameworks.js';
import { Tasks } from './pages/tasks.js';
import { TaskDetail } from './pages/task.js';
import { ServiceDetail, Services } from './pages/services.js';
import { ComingLater, LATER_PAGES, NotFound } from './pages/placeholders.js';
import { Updated } from './components.js';
import { Cluster } from './pages/cluster.js';
import { Login } from './pages/login.js';
import { setCredentials, useCredentials } from './auth.js';

const NAV: [string, string][] = [['', 'Overview'], ['agents', 'Agents'], ['frameworks', 'Frameworks'], ['tasks', 'Tasks'], ['services', 'Services'], ['jobs', 'Jobs'], ['cluster', 'Cluster']];

function Page({ route }: { route: Route }): JSX.Element {
  const [top = '', a, b] = route.parts;
  switch (top) {
    case '':
      return <Overview />;
    case 'agents':
      return a === undefined ? <Agents /> : <AgentDetail id={a} />;
    case 'frameworks':
      return a === undefined ? <Frameworks /> : <FrameworkDetail id={a} />;
    case 'services':
      return a === undefined ? <Services /> : <ServiceDetail id={`/${route.parts.slice(1).join('/')}`} />;
    case 'cluster':
      if (a === undefined) return <Cluster />;
      break;
    case 'login':
      if (a === undefined) return <Login next={route.query.get('next')} />;
      break;
    case 'tasks':
      if (a === undefined) return <Tasks key={route.query.toString()} query={route.query} />;
      if (b !== undefined) return <TaskDetail frameworkId={a} taskId={b} query={route.query} />;
      break;
    default:
      if (LATER_PAGES.includes(top) && a === undefined) return <ComingLater page={top} />;
  }
  return <NotFound path={route.parts.join('/')} />;
}

export function App(): JSX.Element {
  const route = useRoute();
  const cluster = usePoll('state', loadState, POLL_MS, true);
  const streaming = useLiveStatus();
  // Every page knows the other masters, to keep reading when this one goes away.
  usePoll('members', loadMembers, 10_000);
  const top = route.parts[0] ?? '';
  const who = useCredentials();
  useEffect(() => {
    // Each deep link gets its own title (history, bookmarks, screen readers).
    const section = NAV.find(([path]) => path === top)?.[1] ?? (top === 'login' ? 'Sign in' : 'Not found');
    const object = route.parts.slice(1).at(-1);
    document.title = `${object !== undefined ? `${object} - ` : ''}${section} - tsmesos`;
  }, [route]);
  return (
    <ClusterContext.Provider value={cluster}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="top">
        <a class="brand" href={href()}>tsmesos</a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li><a href={href(...(path ? [path] : []))} aria-current={top === path ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {who
            ? <>signed in as <strong data-testid="principal">{who.principal}</strong> <button type="button" class="link" onClick={() => setCredentials(null)}>Sign out</button></>
            : top === 'login' ? null : <a href={href('login', { next: location.hash || undefined })}>Sign in</a>}
        </span>
        <span class="live" data-stream={streaming ? 'open' : 'closed'} title={streaming ? 'updated as the operator event stream reports changes' : `polled every ${POLL_MS / 1000} s (the operator event stream is not open on this master)`}>
          {cluster.error ? <span class="warn">offline</span> : streaming ? 'live' : 'polling'} <Updated at={cluster.at} />
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </ClusterContext.Provider>
  );
}
