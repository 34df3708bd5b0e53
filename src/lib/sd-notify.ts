// systemd readiness (sd_notify) for `Type=notify` units.
//
// The protocol is one datagram `READY=1` on the AF_UNIX socket named by $NOTIFY_SOCKET. Node
// has no unix datagram sockets, and every npm package that has them is a native addon (which
// the single executable would have to carry and extract like SQLite's). So we run systemd's own
// `systemd-notify --ready`, which is installed wherever systemd runs, only when $NOTIFY_SOCKET
// is set: nothing happens outside systemd. Since systemd 246 it waits for the manager to have
// processed the message (a barrier), so the message is not lost when it exits at once; the
// unit needs `NotifyAccess=all` because the sender is a child, not the main process.
import { execFile } from 'node:child_process';

export interface NotifyResult {
  /** false when $NOTIFY_SOCKET was not set (not run by systemd as Type=notify). */
  sent: boolean;
  error?: string;
}

/**
 * Takes $NOTIFY_SOCKET out of this process' environment (so tasks and other children never
 * inherit it, as sd_notify's unset_environment does) and returns a function that sends READY=1.
 */
export function takeNotifySocket(env: NodeJS.ProcessEnv = process.env): (state?: string) => Promise<NotifyResult> {
  const socket = env['NOTIFY_SOCKET'];
  delete env['NOTIFY_SOCKET'];
  return (state = 'READY=1') => sdNotify(socket, state);
}

/** Sends `state` (`READY=1`, `STOPPING=1`, ...) to `socket` through systemd-notify; never throws. */
export function sdNotify(socket: string | undefined, state: string, timeoutMs = 10_000): Promise<NotifyResult> {
  if (socket === undefined || socket === '') return Promise.resolve({ sent: false });
  const args = state === 'READY=1' ? ['--ready', `--pid=${process.pid}`] : [`--pid=${process.pid}`, state];
  return new Promise((resolve) => {
    execFile('systemd-notify', args, {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NOTIFY_SOCKET: socket },
      timeout: timeoutMs,
    }, (err, _stdout, stderr) => {
      if (err) resolve({ sent: false, error: `systemd-notify ${args.join(' ')}: ${stderr.trim() || err.message}` });
      else resolve({ sent: true });
    });
  });
}
