import { Hono } from 'hono';
import type { Logger } from '../lib/log.js';
import type { Leadership } from '../master/leadership.js';
import { installErrorHandling } from './http-errors.js';
import { schedulerApp } from './scheduler.js';
import { agentChannelApp } from './agent-channel.js';
import { masterLegacyApp, type MasterIdentity } from './master-legacy.js';
import { masterLegacyOpsApp } from './master-legacy-ops.js';
import { masterLegacyMaintenanceApp } from './master-legacy-maintenance.js';
import { masterLegacyReserveApp } from './master-legacy-reserve.js';
import { masterLegacyQuotaApp } from './master-legacy-quota.js';
import { operatorApp } from './operator.js';
import { prometheusApp } from './prometheus.js';
import { loggingToggleApp, requestLog } from './logging-toggle.js';
import { masterLogFilesApp } from './master-log.js';
import { uiApp } from './ui-app.js';
import { readOnlyCors } from './read-cors.js';
import { clusterCors } from './cluster-cors.js';
import { agentCertificateOverTls } from './agent-tls.js';
import { httpAuthentication, rateLimitFrameworks, throttleAuthFailures, type HttpAuthOptions } from './http-auth.js';
import type { FrameworkRateLimiter } from '../security/rate-limits.js';
import type { FailureThrottle } from '../security/auth-throttle.js';
import { JOIN_PATH } from '../security/paths.js';
import { redirectPlainToHttps } from './api-tls.js';
import { AGENT_CHANNEL_PATH } from '../wire/agent-channel.js';
import { marathonApp } from './marathon.js';
import type { ServicesHandle } from '../services/leader-service.js';
import type { HttpClient } from '../lib/http-client.js';

/** GETs the web UI makes to this master from another one's page (see read-cors.ts). */
const UI_READ_PATHS = ['/v2/*', '/master/*', '/state', '/state.json', '/slaves', '/frameworks', '/metrics/snapshot', '/tsmesos/raft/v1/status', '/tsmesos/v1/usage', '/health', '/version'];

/** What the web UI of another master of the cluster calls here (writes to the leader; see cluster-cors.ts). */
const UI_WRITE_PATHS = ['/api/v1', '/v2/*', '/master/*', '/tsmesos/v1/tokens', '/tsmesos/v1/tokens/*', '/tsmesos/v1/whoami', '/tsmesos/v1/acls'];

/** The Marathon API alone (`--marathon-port`): what Marathon's users reach on its own port. */
export function marathonOnlyApp(leadership: Leadership, log: Logger, services: { handle: ServicesHandle; http: HttpClient }, security: MasterAppSecurity = {}): Hono {
  const app = new Hono();
  installErrorHandling(app, log);
  if (security.httpsRedirect) app.use('*', redirectPlainToHttps(security.httpsRedirect.https, security.httpsRedirect.self));
  if (security.authThrottle) app.use('*', throttleAuthFailures(security.authThrottle, (p) => p === JOIN_PATH));
  if (security.http) app.use('*', httpAuthentication(security.http));
  app.route('/', marathonApp(leadership, services.handle, log.child('services-api'), services.http));
  return app;
}

/** Every HTTP surface of a master, mounted on one hono app. */
export interface MasterAppSecurity {
  /** Refuse agents over plain HTTP (the cluster has a CA and --agent-tls is required). Default: let them in. */
  refusePlainAgents?: () => boolean;
  /** HTTP authentication of the APIs (--authenticate-frameworks, --authenticate-http-readwrite). Default: none. */
  http?: HttpAuthOptions;
  /** --api-tls: plain-HTTP API and UI requests get a 308 to https while `https()` holds. Default: none. */
  httpsRedirect?: { https: () => boolean; self: { ip: string; port: number } };
  /** Failed authentication limited per source address (429 once out of attempts). Default: none. */
  authThrottle?: FailureThrottle;
  /** --rate-limits: scheduler calls per principal. Default: none. */
  frameworkRateLimiter?: FrameworkRateLimiter;
  /** The cluster's masters (ip:port): their web UI may write here (CORS, see cluster-cors.ts). Default: none. */
  masters?: () => readonly string[];
}

export function masterApp(leadership: Leadership, self: MasterIdentity, log: Logger, extra: Hono[] = [], services?: { handle: ServicesHandle; http: HttpClient }, security: MasterAppSecurity = {}): Hono {
  const app = new Hono();
  installErrorHandling(app, log);
  if (security.httpsRedirect) app.use('*', redirectPlainToHttps(security.httpsRedirect.https, security.httpsRedirect.self));
  // Before authentication: a preflight carries no credentials. Around readOnlyCors: a member's
  // origin replaces its `*` in the answer.
  if (security.masters) {
    // Under --api-tls the pages of the other masters are https too (the cluster shares its CA).
    for (const p of UI_WRITE_PATHS) app.use(p, clusterCors(security.masters, security.httpsRedirect?.https));
  }
  app.use('*', requestLog(log));
  for (const p of UI_READ_PATHS) app.use(p, readOnlyCors());
  if (security.authThrottle) app.use('*', throttleAuthFailures(security.authThrottle, (p) => p === JOIN_PATH));
  if (security.http) app.use('*', httpAuthentication(security.http));
  if (security.frameworkRateLimiter) app.use('/api/v1/scheduler', rateLimitFrameworks(security.frameworkRateLimiter));
  app.use(AGENT_CHANNEL_PATH, agentCertificateOverTls(security.refusePlainAgents));
  app.route('/', uiApp());
  app.route('/', masterLegacyApp(leadership, self));
  app.route('/', schedulerApp(leadership));
  app.route('/', agentChannelApp(leadership));
  app.route('/', operatorApp(leadership, self.flags, log.verbosity, self.logFile ?? null));
  app.route('/', masterLogFilesApp(self.logFile ?? null));
  app.route('/', masterLegacyOpsApp(leadership, self.flags));
  app.route('/', masterLegacyMaintenanceApp(leadership));
  app.route('/', masterLegacyReserveApp(leadership));
  app.route('/', masterLegacyQuotaApp(leadership));
  app.route('/', prometheusApp(leadership));
  app.route('/', loggingToggleApp(log.verbosity));
  if (services) app.route('/', marathonApp(leadership, services.handle, log.child('services-api'), services.http));
  for (const e of extra) app.route('/', e);
  return app;
}
