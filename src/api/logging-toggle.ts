import { Hono, type MiddlewareHandler } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { setVerbosity, type Logger, type LogVerbosity } from '../lib/log.js';
import { requireAllowed } from './http-auth.js';
import { parseMesosDuration } from '../domain/mesos-duration.js';

/**
 * `/logging/toggle` (libprocess): without a query, the verbosity as text; with `level` and
 * `duration` (`?level=1&duration=10secs`), that level until the duration ends. The same change
 * as SET_LOGGING_LEVEL, so it is authenticated as a write whatever the method (http-auth.ts).
 */
export function loggingToggleApp(verbosity: LogVerbosity): Hono {
  const app = new Hono();
  app.on(['GET', 'POST'], '/logging/toggle', (c) => {
    const level = c.req.query('level');
    const duration = c.req.query('duration');
    if (level === undefined && duration === undefined) return c.text(`${verbosity.get()}\n`);
    if (duration === undefined) throw new TsmesosError('BAD_REQUEST', "Expecting 'duration=value' in query");
    if (level === undefined) throw new TsmesosError('BAD_REQUEST', "Expecting 'level=value' in query");
    requireAllowed(c, 'set_log_level', undefined, 'change the logging level');
    if (!/^\d{1,3}$/.test(level)) throw new TsmesosError('BAD_REQUEST', `Invalid level '${level.slice(0, 20)}': expected an integer 0-100`);
    const ms = parseMesosDuration(duration);
    if (ms === null) throw new TsmesosError('BAD_REQUEST', `Invalid duration '${duration.slice(0, 40)}': expected e.g. 10secs or 2mins`);
    setVerbosity(verbosity, Number(level), ms);
    return c.body(null, 200);
  });
  return app;
}

/** Each request and its status at debug level (Mesos logs them at INFO): what a raised verbosity shows first. */
export function requestLog(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (log.debugEnabled()) log.debug(`HTTP ${c.req.method} ${c.req.path.slice(0, 200)}`, { status: c.res.status });
  };
}
