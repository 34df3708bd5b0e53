// The supervisor ("shim") between the agent and a posix task, so a task outlives an agent crash
// and its exit status is still known afterwards (only a parent can read a child's wait status; a
// task whose agent died is re-parented to init, which keeps it to itself).
//
// The agent spawns the shim (own session). The shim:
//   0. joins the container's cgroups when isolated (writes its pid to each cgroup.procs it is given;
//      failing that, exits 125), so everything it forks from then on starts inside them;
//   1. if gated, waits on fd 3 for "go" (the agent writes it once the cgroup limits are in force;
//      EOF, an agent that died first, exits 125), so the task never runs before its limits;
//   2. forks the task into its own process group (pgid = task pid, what kill() signals) and execs
//      it with Mesos's argv0, fds 0-2 only (the sandbox files);
//   3. reports the task pid on fd 3 and closes it;
//   4. waits for the task, writes its raw wait status to the exit file (temp, then rename), SIGKILLs
//      what is left of the task's process group (the container ends with its leader, as in Mesos);
//   5. ends the way the task ended (same exit code, or the same signal raised on itself), so a live
//      agent reads the task's termination from the shim's own, exactly as from the task.
// Written in Perl because perl-base is Essential on Debian (always present), costs ~4 MB per task
// (a Node shim would cost ~40 MB), and, unlike a shell, tells "exit 137" from "killed by SIGKILL".
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

const SHIM = String.raw`
use strict; use POSIX ();
my ($exit_file, $gated, $ncgroups, @rest) = @ARGV;
my @cgroups = splice(@rest, 0, $ncgroups);
my $nperl = shift @rest;
my @perl_env = splice(@rest, 0, $nperl);
my ($file, @argv) = @rest;
$0 = 'tsmesos-task-supervisor';
$SIG{PIPE} = 'IGNORE';
open(my $ctl, '+<&=', 3) or POSIX::_exit(125);
for my $cg (@cgroups) {
  my $f;
  my $ok = open($f, '>', $cg) && defined(syswrite($f, "$$\n"));
  unless ($ok) { print STDERR "cannot join the container's cgroup $cg: $!\n"; POSIX::_exit(125); }
  close($f);
}
if ($gated) { my $go = <$ctl>; POSIX::_exit(125) unless defined $go && $go eq "go\n"; }
my $pid = fork;
POSIX::_exit(126) unless defined $pid;
if ($pid == 0) {
  POSIX::setpgid(0, 0);
  POSIX::close(3);
  $SIG{PIPE} = 'DEFAULT';
  for (@perl_env) { my ($k, $v) = split(/=/, $_, 2); $ENV{$k} = $v; }
  { no warnings; exec { $file } @argv; }
  print STDERR "cannot execute $file: $!\n";
  POSIX::_exit(127);
}
POSIX::setpgid($pid, $pid);
syswrite($ctl, "$pid\n");
close($ctl);
my $st;
while (1) { my $r = waitpid($pid, 0); if ($r == $pid) { $st = $?; last } if ($r == -1) { $st = 127 << 8; last } }
if ($exit_file ne '') {
  my $tmp = "$exit_file.tmp";
  if (open(my $out, '>', $tmp)) { print $out "$st\n"; close($out); rename($tmp, $exit_file); }
}
kill('KILL', -$pid);
my $sig = $st & 127;
if ($sig) { $SIG{PIPE} = 'DEFAULT'; kill($sig, $$); POSIX::_exit(128 + $sig); }
POSIX::_exit($st >> 8);
`;

/** The perl interpreter the shim runs on, found on PATH (undefined: posix tasks cannot be launched). */
export function findPerl(searchPath = process.env['PATH'] ?? '/usr/bin:/bin'): string | undefined {
  for (const dir of ['/usr/bin', ...searchPath.split(':')]) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'perl');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * spawn() arguments and environment that run `cmd` under the shim. `exitFile` '': no exit file
 * (nothing to recover). The task's PERL* variables (PERL5LIB, PERL5OPT, ...) would steer the
 * shim's own perl: they go to the shim as arguments and are set in the task only.
 */
export function shimCommand(
  perl: string, cmd: { file: string; args: string[]; argv0: string }, env: Readonly<Record<string, string>>, opts: { gated: boolean; exitFile: string; cgroupProcs?: readonly string[] },
): { file: string; args: string[]; env: Record<string, string> } {
  const shimEnv: Record<string, string> = {};
  const perlEnv: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('PERL')) perlEnv.push(`${k}=${v}`);
    else shimEnv[k] = v;
  }
  const cgroups = opts.cgroupProcs ?? [];
  return {
    file: perl, args: ['-e', SHIM, opts.exitFile, opts.gated ? '1' : '0', String(cgroups.length), ...cgroups, String(perlEnv.length), ...perlEnv, cmd.file, cmd.argv0, ...cmd.args], env: shimEnv,
  };
}

/** Lets a gated shim fork the task (the limits are in force). */
export function releaseShim(child: ChildProcess): void {
  const pipe = child.stdio[3] as NodeJS.WritableStream | null | undefined;
  if (!pipe) throw new Error("the control pipe of the task's supervisor is missing");
  pipe.write('go\n');
}

/**
 * The task pid the shim reports on fd 3; rejects when the pipe ends without one (the pipe, not the
 * exit event: a fast task's shim can exit before its pid line has been read).
 */
export function taskPidOf(child: ChildProcess): Promise<number> {
  const pipe = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
  if (!pipe) return Promise.reject(new Error("the control pipe of the task's supervisor is missing"));
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer | string): void => {
      text += String(chunk);
      const line = /^(\d+)\n/.exec(text);
      if (line) {
        done();
        resolve(Number(line[1]));
      }
    };
    const onEnd = (): void => {
      done();
      reject(new Error(`the task's supervisor exited before starting the task${text ? ` (${text.slice(0, 100)})` : ''}`));
    };
    const done = (): void => {
      pipe.off('data', onData);
      pipe.off('end', onEnd);
      pipe.off('close', onEnd);
    };
    pipe.on('data', onData);
    pipe.once('end', onEnd);
    pipe.once('close', onEnd);
  });
}

/** A raw wait status (as the shim writes it) as Node reports an exit: code, or signal name. */
export function decodeWaitStatus(status: number): { code: number | null; signal: NodeJS.Signals | null } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  const name = Object.entries(osConstants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined;
  return { code: null, signal: name ?? 'SIGKILL' };
}
