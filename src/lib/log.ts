// Structured one-line logs on stderr. Secrets must never be passed in fields.
import { TsmesosError } from '../domain/errors.js';
import { systemClock, type Clock, type Timer } from './clock.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
  /** Whether debug lines are written now (--log-level debug, or a raised verbosity): lets hot paths skip building them. */
  debugEnabled(): boolean;
  /** The process's verbosity, shared by the logger and all its children (SET_LOGGING_LEVEL). */
  readonly verbosity: LogVerbosity;
}

/**
 * glog-style verbosity, as Mesos's SET_LOGGING_LEVEL and /logging/toggle change it: 0 is the
 * configured --log-level; above 0, debug lines are written too, until the duration ends and the
 * level reverts. A later change replaces an earlier one and its deadline (libprocess does the same).
 */
export class LogVerbosity {
  private level = 0;
  private revert: Timer | null = null;

  constructor(private readonly clock: Clock = systemClock) {}

  get(): number {
    return this.level;
  }

  /** `level` for `durationMs`, then back to 0; level 0 reverts at once. */
  set(level: number, durationMs: number): void {
    this.revert?.cancel();
    this.revert = null;
    this.level = level;
    if (level === 0) return;
    this.revert = this.clock.setTimeout(() => {
      this.level = 0;
      this.revert = null;
    }, durationMs);
  }

  /** Cancels a pending revert (a stopping process). */
  dispose(): void {
    this.revert?.cancel();
    this.revert = null;
  }
}

/** A verbosity held longer than this is refused: a forgotten toggle must not log at debug for weeks. */
export const MAX_LOGGING_DURATION_MS = 7 * 24 * 3_600_000;

/** SET_LOGGING_LEVEL and /logging/toggle: `level` for `durationMs`; a duration outside (0, a week] or a level above 100 is a 400. */
export function setVerbosity(verbosity: LogVerbosity, level: number, durationMs: number): void {
  if (!(durationMs > 0) || durationMs > MAX_LOGGING_DURATION_MS) {
    throw new TsmesosError('BAD_REQUEST', `the logging duration must be more than 0 and at most ${MAX_LOGGING_DURATION_MS / 3_600_000} hours`);
  }
  if (level > 100) throw new TsmesosError('BAD_REQUEST', `logging level ${level} is out of range (0-100)`);
  verbosity.set(level, durationMs);
}

/** The file --log-dir appends to. */
export const logFileIn = (dir: string): string => `${dir.replace(/\/+$/, '')}/tsmesos.log`;

export function createLogger(level: LogLevel, component = 'tsmesos', write: (line: string) => void = (l) => process.stderr.write(l), verbosity = new LogVerbosity()): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LOG_LEVELS.indexOf(lvl) < min && !(lvl === 'debug' && verbosity.get() > 0)) return;
    const extra = fields ? ' ' + JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v)) : '';
    write(`${new Date().toISOString()} ${lvl.toUpperCase()} [${component}] ${msg}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (c) => createLogger(level, `${component}/${c}`, write, verbosity),
    debugEnabled: () => min === 0 || verbosity.get() > 0,
    verbosity,
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  debugEnabled: () => false,
  verbosity: new LogVerbosity(),
};
