// Marathon's REST API (docs/docs/rest-api/public/api/v2) on the master port: /v2/apps,
// /v2/groups, /v2/deployments, /v2/tasks, /v2/info, /v2/leader, /ping. Errors in Marathon's shape
// (`{message, details?}`), never `{code, message}`: this surface speaks Marathon's dialect.
// Everything but /ping, /v2/leader and /v2/info needs the leader's scheduler; a follower
// proxies those requests to the leader (as Marathon does), so clients that do not follow
// redirects work against any master.
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { TsmesosError } from '../domain/errors.js';
import { VERSION } from '../domain/version.js';
import type { Logger } from '../lib/log.js';
import type { Leadership } from '../master/leadership.js';
import { readBodyText, readJsonBody } from '../lib/http-body.js';
import { ServiceError, pathAppId, type DeploymentResult } from '../services/apps-service.js';
import type { RunningServices, ServicesHandle } from '../services/leader-service.js';
import { APP_SHOW_EMBEDS, APPS_LIST_EMBEDS, appEmbeds, appJson, deploymentJson, findGroup, groupEmbeds, groupTree, groupView, MAX_EMBEDS, taskJson, type AppEmbed, type GroupJson, type LiveInstance } from '../services/views.js';
import { servicePortsOf } from '../services/service-ports.js';
import { canonicalVersion } from '../services/group-update.js';
import type { HttpClient } from '../lib/http-client.js';
import { leaderOrRedirect } from './leader-gate.js';

export const MARATHON_MAX_BODY = 1024 * 1024;
/** Task ids in one POST /v2/tasks/delete. */
const MAX_TASK_IDS = 10_000;

type Handler = (c: Context) => Promise<Response> | Response;

const marathonError = (c: Context, status: number, body: Record<string, unknown>): Response => c.json(body, status as ContentfulStatusCode);

/** Every failure becomes a Marathon-shaped 4xx/5xx; only a bug is a 500, and it is logged. */
function guarded(log: Logger, h: Handler): Handler {
  return async (c) => {
    try {
      return await h(c);
    } catch (e) {
      if (e instanceof ServiceError) return marathonError(c, e.status, e.body);
      if (e instanceof TsmesosError) {
        if (e.code === 'BAD_REQUEST' && e.message.startsWith('malformed JSON')) {
          return marathonError(c, 400, { message: 'Invalid JSON', details: [{ path: '/', errors: [e.message] }] });
        }
        const status = e.code === 'PAYLOAD_TOO_LARGE' ? 413 : e.code === 'BAD_REQUEST' ? 400 : e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT' ? 503 : 500;
        if (status === 500) log.error('services API failed', { path: c.req.path, error: e.stack ?? e.message });
        return marathonError(c, status, { message: status === 503 ? `${e.message}; retry` : e.message });
      }
      log.error('services API failed', { path: c.req.path, error: e instanceof Error ? e.stack : String(e) });
      return marathonError(c, 500, { message: 'internal error' });
    }
  };
}

const flag = (c: Context, name: string): boolean => c.req.query(name) === 'true';

/** A path segment percent-decoded; a malformed escape is kept as it came (it then matches nothing). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function deploymentHeaders(c: Context, r: DeploymentResult): void {
  c.header('Marathon-Deployment-Id', r.deploymentId);
  c.header('Marathon-Deployment-Version', r.version);
}

const PROXIED_HEADER = 'X-Tsmesos-Proxied';
/** Response headers a proxied answer keeps. */
const FORWARDED = ['content-type', 'location', 'marathon-deployment-id', 'marathon-deployment-version'];


export function marathonApp(leadership: Leadership, services: ServicesHandle, log: Logger, http: HttpClient): Hono {
  const app = new Hono();

  /** Forwards the request to the leader as it came and answers with the leader's answer. */
  const proxy = async (c: Context, leader: { ip: string; port: number }): Promise<Response> => {
    if (c.req.header(PROXIED_HEADER) !== undefined) return marathonError(c, 503, { message: 'leadership is changing; retry' });
    const body = await readBodyText(c, MARATHON_MAX_BODY);
    const url = new URL(c.req.url);
    const contentType = c.req.header('content-type');
    let res;
    try {
      res = await http.request({
        host: leader.ip, port: leader.port, path: url.pathname + url.search, method: c.req.method,
        headers: { [PROXIED_HEADER]: '1', ...(contentType !== undefined ? { 'Content-Type': contentType } : {}) },
        ...(body !== undefined && body.length > 0 ? { body } : {}), timeoutMs: 15_000,
      });
    } catch (e) {
      return marathonError(c, 503, { message: `the leader at ${leader.ip}:${leader.port} did not answer (${e instanceof Error ? e.message : String(e)}); retry` });
    }
    if (res.status === 307) return marathonError(c, 503, { message: 'leadership is changing; retry' });
    const headers = new Headers({ 'X-Marathon-Leader': `http://${leader.ip}:${leader.port}` });
    for (const h of FORWARDED) {
      const v = res.headers[h];
      if (typeof v === 'string') headers.set(h, v);
    }
    return new Response(res.status === 204 ? null : res.body, { status: res.status, headers });
  };

  /** The running scheduler on the leader; elsewhere the leader's answer (proxied), or a 503. */
  const leaderServices = async (c: Context): Promise<RunningServices | Response> => {
    if (leadership.master() === null) {
      const leader = leadership.leader();
      return leader ? proxy(c, leader) : marathonError(c, 503, { message: 'no leading master is known; retry' });
    }
    return services.current() ?? marathonError(c, 503, { message: 'the services scheduler is starting; retry' });
  };

  const body = (c: Context): Promise<unknown> => readJsonBody(c, MARATHON_MAX_BODY);

  const route = (method: string, path: string, h: (c: Context, s: RunningServices) => Promise<Response> | Response): void => {
    app.on(method, path, guarded(log, async (c) => {
      const s = await leaderServices(c);
      return s instanceof Response ? s : h(c, s);
    }));
  };

  const appView = (s: RunningServices, id: string, embed: ReadonlySet<AppEmbed>): Record<string, unknown> => {
    const rec = s.apps.existing(id);
    return appJson(rec, s.driver.instancesOf(id), s.apps.deploymentsOf(id), { embed, lastTaskFailure: s.driver.lastFailures.get(id) });
  };
  /** The `embed` query values; more than MAX_EMBEDS, or one longer than 200 characters, is a 400. */
  const embedsOf = (c: Context): string[] => {
    const list = c.req.queries('embed') ?? [];
    if (list.length > MAX_EMBEDS || list.some((e) => e.length > 200)) {
      throw new ServiceError(400, { message: `embed: at most ${MAX_EMBEDS} values of at most 200 characters` });
    }
    return list;
  };
  const withEmbeds = (base: readonly AppEmbed[], c: Context): Set<AppEmbed> => new Set([...base, ...appEmbeds(embedsOf(c))]);

  /** Tasks as Marathon shows them, with their app's service ports. */
  const tasksJson = (s: RunningServices, list: readonly LiveInstance[]): Record<string, unknown>[] => list.map((i) => {
    const rec = s.apps.store.app(i.appId);
    return taskJson(i, rec ? servicePortsOf(rec.app) : []);
  });

  app.get('/ping', (c) => c.text('pong'));

  app.get('/v2/leader', guarded(log, (c) => {
    const l = leadership.leader();
    return l ? c.json({ leader: `${l.ip}:${l.port}` }) : marathonError(c, 404, { message: 'There is no leader' });
  }));

  app.get('/v2/info', guarded(log, (c) => {
    const l = leadership.leader();
    const running = services.current();
    return c.json({
      name: 'tsmesos-services',
      version: VERSION,
      elected: leadership.master() !== null,
      leader: l ? `${l.ip}:${l.port}` : null,
      frameworkId: running?.driver.frameworkId ?? null,
      marathon_config: { framework_name: 'tsmesos-services', failover_timeout: 604_800, checkpoint: true },
    });
  }));

  // Server-Sent Events (Marathon's event bus). A long stream cannot go through the buffering
  // proxy, so a follower answers 307 to the leader here (EventSource clients follow it).
  app.get('/v2/events', guarded(log, (c) => {
    const m = leaderOrRedirect(c, leadership);
    if (m instanceof Response) return m.status === 503 ? marathonError(c, 503, { message: 'no leading master is known; retry' }) : m;
    const s = services.current();
    if (!s) return marathonError(c, 503, { message: 'the services scheduler is starting; retry' });
    const types = c.req.queries('event_type') ?? [];
    if (types.length > 64 || types.some((t) => !/^[a-z_]{1,64}$/.test(t))) {
      return marathonError(c, 400, { message: 'event_type: expected up to 64 event names of lowercase letters and underscores' });
    }
    const encoder = new TextEncoder();
    let unsubscribe = (): void => undefined;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const send = (e: { eventType: string }): void => {
          if (types.length > 0 && !types.includes(e.eventType)) return;
          try {
            controller.enqueue(encoder.encode(`event: ${e.eventType}\ndata: ${JSON.stringify(e)}\n\n`));
          } catch {
            unsubscribe();
          }
        };
        unsubscribe = s.driver.events.subscribe(send, () => {
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        });
        send({ eventType: 'event_stream_attached', remoteAddress: c.req.header('x-forwarded-for') ?? null, timestamp: new Date().toISOString() } as { eventType: string });
      },
      cancel: () => unsubscribe(),
    });
    return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' } });
  }));

  route('GET', '/v2/apps', (c, s) => {
    const filter = c.req.query('id');
    const embed = withEmbeds(APPS_LIST_EMBEDS, c);
    const apps = s.apps.store.apps()
      .filter((r) => filter === undefined || r.app.id.includes(filter))
      .map((r) => appJson(r, s.driver.instancesOf(r.app.id), s.apps.deploymentsOf(r.app.id), { embed, lastTaskFailure: s.driver.lastFailures.get(r.app.id) }));
    return c.json({ apps });
  });

  route('POST', '/v2/apps', async (c, s) => {
    const r = await s.apps.create(await body(c), flag(c, 'force'));
    deploymentHeaders(c, r);
    c.header('Location', `/v2/apps${r.record!.app.id}`);
    return c.json(appView(s, r.record!.app.id, new Set(APPS_LIST_EMBEDS)), 201);
  });

  // PUT /v2/apps and PATCH /v2/apps: several apps in one deployment (Marathon's replaceMultiple, patchMultiple).
  for (const method of ['PUT', 'PATCH'] as const) {
    route(method, '/v2/apps', async (c, s) => {
      const partial = method === 'PATCH' || c.req.query('partialUpdate') !== 'false';
      const r = await s.apps.updateMany(await body(c), { partial, force: flag(c, 'force'), allowCreation: method === 'PUT' });
      deploymentHeaders(c, r);
      return c.json({ deploymentId: r.deploymentId, version: r.version });
    });
  }

  const groups = (s: RunningServices, embed: ReadonlySet<AppEmbed>): GroupJson => groupTree(s.apps.store.apps().map((r) => ({
    id: r.app.id, version: r.version,
    json: appJson(r, s.driver.instancesOf(r.app.id), s.apps.deploymentsOf(r.app.id), { embed, lastTaskFailure: s.driver.lastFailures.get(r.app.id) }),
  })), s.apps.store.groups());
  // /v2/groups[/{id...}]: GET the tree, POST creates, PUT updates (scaleBy, dryRun), DELETE removes.
  app.on(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], ['/v2/groups', '/v2/groups/*'], guarded(log, async (c) => {
    const s = await leaderServices(c);
    if (s instanceof Response) return s;
    const raw = c.req.path.replace(/^\/v2\/groups\/?/, '').replace(/\/$/, '');
    // Marathon's GroupsResource: GET {id}/versions and {id}/versions/{version}, for the root too.
    const versions = c.req.method === 'GET' ? /^(?:(.+)\/)?versions(?:\/([^/]+))?$/.exec(raw) : null;
    if (versions) {
      const gid = versions[1] === undefined ? '/' : pathAppId(versions[1]);
      if (versions[2] === undefined) return c.json(s.groups.versions(gid));
      const version = canonicalVersion(decoded(versions[2]));
      if (version === undefined) return marathonError(c, 400, { message: 'Invalid version', details: [{ path: '/version', errors: ['expected an ISO 8601 date-time such as 2026-12-02T10:00:00.000Z'] }] });
      const then = s.groups.rootAt(version);
      const embed = groupEmbeds(embedsOf(c));
      const g = then && findGroup(groupTree(then.apps.map((r) => ({ id: r.app.id, version: r.version, json: { ...r.app, version: r.version, versionInfo: r.versionInfo } })), then.groups), gid);
      return g ? c.json(groupView(g, embed)) : marathonError(c, 404, { message: `Group '${gid}' does not exist` });
    }
    const id = raw === '' ? '/' : pathAppId(raw);
    switch (c.req.method) {
      case 'GET': {
        const embed = groupEmbeds(embedsOf(c));
        const g = findGroup(groups(s, embed.app), id);
        return g ? c.json(groupView(g, embed)) : marathonError(c, 404, { message: `Group '${id}' does not exist` });
      }
      case 'POST': {
        const r = await s.groups.create(await body(c), id, flag(c, 'force'));
        deploymentHeaders(c, r);
        c.header('Location', `/v2/groups${r.groupId === '/' ? '' : r.groupId}`);
        return c.json({ deploymentId: r.deploymentId, version: r.version }, 201);
      }
      case 'PUT': {
        const r = await s.groups.update(await body(c), id, { force: flag(c, 'force'), dryRun: flag(c, 'dryRun') });
        if ('steps' in r) return c.json({ steps: r.steps });
        deploymentHeaders(c, r);
        return c.json({ deploymentId: r.deploymentId, version: r.version });
      }
      case 'DELETE': {
        const r = await s.groups.remove(id, flag(c, 'force'));
        deploymentHeaders(c, r);
        return c.json({ deploymentId: r.deploymentId, version: r.version });
      }
      case 'PATCH': {
        // Marathon's GroupsResource.patchGroup exists for {id} only: the root is no top-level group.
        if (id === '/') return marathonError(c, 405, { message: 'PATCH applies to top-level groups only (/v2/groups/{id}); change the root with PUT' });
        // Settings change in place: 200 with no body and no deployment (so no lock, and `force` changes nothing).
        await s.groups.patch(await body(c), id);
        return c.body(null, 200);
      }
      default:
        return marathonError(c, 405, { message: `${c.req.method} is not supported on /v2/groups` });
    }
  }));

  route('GET', '/v2/tasks', (c, s) => {
    const status = c.req.query('status');
    const tasks = tasksJson(s, s.driver.instancesOf()).filter((t) => status === undefined || t['state'] === `TASK_${status.toUpperCase()}`);
    return c.json({ tasks });
  });

  // POST /v2/tasks/delete {"ids": [...]} (Marathon's TasksResource.killTasks): kills the tasks named;
  // with scale=true their apps are scaled down by as many, as one deployment. Ids of no task are ignored.
  route('POST', '/v2/tasks/delete', async (c, s) => {
    if (flag(c, 'scale') && flag(c, 'wipe')) return marathonError(c, 400, { message: 'You cannot use scale and wipe at the same time.' });
    const raw = await body(c);
    const ids = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)['ids'] : undefined;
    if (!Array.isArray(ids) || ids.length > MAX_TASK_IDS || ids.some((i) => typeof i !== 'string')) {
      return marathonError(c, 400, { message: 'Invalid JSON', details: [{ path: '/ids', errors: [`expected {"ids": [task ids]} with at most ${MAX_TASK_IDS} ids`] }] });
    }
    const bad = (ids as string[]).find((i) => !/^[A-Za-z0-9._-]{1,200}$/.test(i));
    if (bad !== undefined) return marathonError(c, 400, { message: `Invalid task id '${bad.slice(0, 200)}'.` });
    const wanted = new Set(ids as string[]);
    const victims = s.driver.instancesOf().filter((t) => wanted.has(t.taskId));
    if (flag(c, 'scale') && victims.length > 0) {
      const perApp = new Map<string, number>();
      for (const v of victims) perApp.set(v.appId, (perApp.get(v.appId) ?? 0) + 1);
      const updates = [...perApp].map(([appId, n]) => ({ id: appId, instances: Math.max(0, s.apps.existing(appId).app.instances - n) }));
      const r = await s.apps.updateMany(updates, { partial: true, force: flag(c, 'force'), allowCreation: false });
      s.driver.killTasks(victims.map((v) => v.taskId));
      deploymentHeaders(c, r);
      return c.json({ deploymentId: r.deploymentId, version: r.version });
    }
    s.driver.killTasks(victims.map((v) => v.taskId));
    return c.json({ tasks: tasksJson(s, victims) });
  });

  route('GET', '/v2/queue', (c, s) => {
    const queue = s.driver.queue().flatMap((q) => {
      const rec = s.apps.store.app(q.appId);
      if (!rec) return [];
      const left = Math.ceil(q.delayLeftMs / 1000);
      return [{ count: q.count, delay: { timeLeftSeconds: left, overdue: left === 0 }, app: appJson(rec, s.driver.instancesOf(q.appId), s.apps.deploymentsOf(q.appId), { embed: new Set(APPS_LIST_EMBEDS) }) }];
    });
    return c.json({ queue });
  });

  route('DELETE', '/v2/queue/*', async (c, s) => {
    const m = /^\/v2\/queue\/(.+)\/delay\/?$/.exec(c.req.path);
    if (!m) return marathonError(c, 404, { message: `no such resource: ${c.req.path.slice(0, 300)}` });
    const id = pathAppId(m[1]!);
    s.apps.existing(id);
    await s.driver.resetDelay(id);
    return c.body(null, 204);
  });

  route('GET', '/v2/deployments', (c, s) => c.json(s.apps.store.deployments().map(deploymentJson)));

  route('DELETE', '/v2/deployments/:id', async (c, s) => {
    const r = await s.apps.cancelDeployment(c.req.param('id') ?? '', flag(c, 'force'));
    if (r === null) return c.body(null, 202);
    deploymentHeaders(c, r);
    return c.json({ deploymentId: r.deploymentId, version: r.version });
  });

  // /v2/apps/{id...}[/tasks[/{taskId}]|/restart|/versions[/{version}]]: ids nest, so the path is parsed here.
  app.all('/v2/apps/*', guarded(log, async (c) => {
    const s = await leaderServices(c);
    if (s instanceof Response) return s;
    const rest = c.req.path.slice('/v2/apps/'.length);
    const m = /^(.*?)\/(tasks|restart|versions)(?:\/([^/]+))?\/?$/.exec(rest);
    const method = c.req.method;
    if (m) {
      const id = pathAppId(m[1]!);
      const sub = m[2]!;
      const arg = m[3];
      if (sub === 'restart' && method === 'POST' && arg === undefined) {
        const r = await s.apps.restart(id, flag(c, 'force'));
        deploymentHeaders(c, r);
        return c.json({ deploymentId: r.deploymentId, version: r.version });
      }
      if (sub === 'versions' && method === 'GET') {
        s.apps.existing(id);
        if (arg === undefined) return c.json({ versions: s.apps.store.versions(id) });
        const v = s.apps.store.appVersion(id, decoded(arg));
        return v ? c.json({ ...v.app, version: v.version, versionInfo: v.versionInfo }) : marathonError(c, 404, { message: `App '${id}' does not exist in version ${arg.slice(0, 64)}` });
      }
      if (sub === 'tasks' && method === 'GET' && arg === undefined) {
        s.apps.existing(id);
        return c.json({ tasks: tasksJson(s, s.driver.instancesOf(id)) });
      }
      if (sub === 'tasks' && method === 'DELETE') {
        s.apps.existing(id);
        const victims = s.driver.instancesOf(id).filter((t) => arg === undefined || t.taskId === arg);
        if (arg !== undefined && victims.length === 0) return marathonError(c, 404, { message: `Task '${arg.slice(0, 200)}' does not exist` });
        if (flag(c, 'scale')) {
          const rec = s.apps.existing(id);
          const r = await s.apps.scale(id, Math.max(0, rec.app.instances - victims.length), flag(c, 'force'));
          s.driver.killTasks(victims.map((v) => v.taskId));
          deploymentHeaders(c, r);
          return c.json({ deploymentId: r.deploymentId, version: r.version });
        }
        s.driver.killTasks(victims.map((v) => v.taskId));
        return c.json(arg === undefined ? { tasks: tasksJson(s, victims) } : { task: tasksJson(s, victims.slice(0, 1))[0] });
      }
      return marathonError(c, 405, { message: `${method} is not supported on ${c.req.path.slice(0, 300)}` });
    }
    const id = pathAppId(rest);
    switch (method) {
      case 'GET':
        return c.json({ app: appView(s, id, withEmbeds(APP_SHOW_EMBEDS, c)) });
      case 'PUT':
      case 'PATCH': {
        // PATCH is partial and creates nothing (Marathon's AppsResource.patch: 404 for an unknown app).
        const partial = method === 'PATCH' || c.req.query('partialUpdate') !== 'false';
        const r = await s.apps.update(id, await body(c), { partial, force: flag(c, 'force'), allowCreation: method === 'PUT' });
        deploymentHeaders(c, r);
        if (r.created) c.header('Location', `/v2/apps${id}`);
        return c.json({ deploymentId: r.deploymentId, version: r.version }, r.created ? 201 : 200);
      }
      case 'DELETE': {
        const r = await s.apps.remove(id, flag(c, 'force'));
        deploymentHeaders(c, r);
        return c.json({ deploymentId: r.deploymentId, version: r.version });
      }
      default:
        return marathonError(c, 405, { message: `${method} is not supported on /v2/apps/{id}` });
    }
  }));

  app.all('/v2/*', (c) => marathonError(c, 404, { message: `no such resource: ${c.req.method} ${c.req.path.slice(0, 300)}` }));
  return app;
}
