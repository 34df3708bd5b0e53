// The supervisor ("shim") between the agent and a posix task, so a task outlives an agent crash
// and its exit status is still known afterwards (only a parent can read a child's wait status; a
// task whose agent died is re-parented to init, which keeps it to itself).
//
// The agent spawns the shim (own session). The shim:
//   0a. when given a user (the agent runs as root and switches users, Mesos --switch_user): looks it
//      up (getpwnam, so NSS users count too) and chowns the sandbox (its cwd) to it, recursively,
//      without following symlinks; an unknown user or a failed chown is reported on fd 3 as
//      "error <message>" and the shim exits 125 before anything runs;
//   0. joins the container's cgroups when isolated (writes its pid to each cgroup.procs it is given;
//      failing that, exits 125), so everything it forks from then on starts inside them;
//   1. if gated, waits on fd 3 for "go" (the agent writes it once the cgroup limits are in force;
//      EOF, an agent that died first, exits 125), so the task never runs before its limits;
//   2. forks the task into its own process group (pgid = task pid, what kill() signals), drops to
//      the user in the child (primary group, supplementary groups, then uid: Mesos's os::su) and
//      execs it with Mesos's argv0, fds 0-2 only (the sandbox files);
//   3. reports the task pid on fd 3 and closes it;
//   4. waits for the task, writes its raw wait status to the exit file (temp, then rename), SIGKILLs
//      what is left of the task's process group (the container ends with its leader, as in Mesos);
//   5. ends the way the task ended (same exit code, or the same signal raised on itself), so a live
//      agent reads the task's termination from the shim's own, exactly as from the task.
// The shim itself stays root when the task does not: it writes the exit file into the agent's
// root-owned state dir (what a restarted agent recovers the task's end from), and it must be able to
// SIGKILL what is left of the task's process group even after the task's processes changed their
// ids; a shim running as the task's user could also be signalled, ptraced or killed by the task (its
// own uid), losing the exit status. It runs no task code and execs nothing as root.
// Written in Perl because perl-base is Essential on Debian (always present), costs ~4 MB per task
// (a Node shim would cost ~40 MB), and, unlike a shell, tells "exit 137" from "killed by SIGKILL".
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

const SHIM = String.raw`
use strict; use POSIX ();
my ($exit_file, $gated, $user, $ncgroups, @rest) = @ARGV;
my @cgroups = splice(@rest, 0, $ncgroups);
my $nperl = shift @rest;
my @perl_env = splice(@rest, 0, $nperl);
my ($file, @argv) = @rest;
$0 = 'tsmesos-task-supervisor';
$SIG{PIPE} = 'IGNORE';
open(my $ctl, '+<&=', 3) or POSIX::_exit(125);
sub refuse { my ($m) = @_; print STDERR "$m\n"; syswrite($ctl, "error $m\n"); POSIX::_exit(125); }
my ($uid, $gid, @groups);
if ($user ne '') {
  my @pw = getpwnam($user);
  refuse("cannot run the task as user '$user': no such user on this agent") unless @pw;
  ($uid, $gid) = ($pw[2], $pw[3]);
  # Supplementary groups, as initgroups(3) would find them (Perl has no initgroups).
  my %seen = ($gid => 1);
  setgrent();
  while (my @gr = getgrent()) { push(@groups, $gr[2]) if !$seen{$gr[2]}++ && grep { $_ eq $user } split(' ', $gr[3]); }
  endgrent();
  # The sandbox (with stdout, stderr and what the fetcher put there) becomes the user's, as Mesos
  # chowns it. Symlinks are neither followed nor changed; a file with other hard links is left alone
  # (the other name may be outside the sandbox).
  my $own; $own = sub {
    my ($p) = @_;
    my @st = lstat($p) or return "cannot stat $p: $!";
    return '' if -l _;
    my $dir = -d _;
    return '' if !$dir && $st[3] > 1;
    chown($uid, $gid, $p) or return "cannot chown $p: $!";
    return '' unless $dir;
    opendir(my $dh, $p) or return "cannot read $p: $!";
    my @names = grep { $_ ne '.' && $_ ne '..' } readdir($dh);
    closedir($dh);
    for (@names) { my $e = $own->("$p/$_"); return $e if $e ne ''; }
    return '';
  };
  my $err = $own->('.');
  refuse("cannot give the sandbox to user '$user': $err") if $err ne '';
}
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
  if ($user ne '') {
    # Group first (setgid, then the supplementary list with $) = "egid list"), uid last: after setuid
    # nothing else can be changed. All three ids of each: no way back to root.
    POSIX::setgid($gid) or do { print STDERR "cannot switch to the group $gid of user '$user': $!\n"; POSIX::_exit(126) };
    $) = join(' ', $gid, $gid, @groups);
    POSIX::setuid($uid) or do { print STDERR "cannot switch to user '$user' ($uid): $!\n"; POSIX::_exit(126) };
    unless ($< == $uid && $> == $uid && $( == $gid && (split(' ', $)))[0] == $gid) { print STDERR "cannot switch to user '$user'\n"; POSIX::_exit(126); }
  }
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
 * (nothing to recover). `user`: the task runs as it (the shim must run as root); unset: as the shim. The task's PERL* variables (PERL5LIB, PERL5OPT, ...) would steer the
 * shim's own perl: they go to the shim as arguments and are set in the task only.
 */
export function shimCommand(
  perl: string, cmd: { file: string; args: string[]; argv0: string }, env: Readonly<Record<string, string>>,
  opts: { gated: boolean; exitFile: string; cgroupProcs?: readonly string[]; user?: string },
): { file: string; args: string[]; env: Record<string, string> } {
  const shimEnv: Record<string, string> = {};
  const perlEnv: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('PERL')) perlEnv.push(`${k}=${v}`);
    else shimEnv[k] = v;
  }
  const cgroups = opts.cgroupProcs ?? [];
  return {
    file: perl, args: ['-e', SHIM, opts.exitFile, opts.gated ? '1' : '0', opts.user ?? '', String(cgroups.length), ...cgroups, String(perlEnv.length), ...perlEnv, cmd.file, cmd.argv0, ...cmd.args], env: shimEnv,
  };
}

/** Lets a gated shim fork the task (the limits are in force). */
export function releaseShim(child: ChildProcess): void {
  const pipe = child.stdio[3] as NodeJS.WritableStream | null | undefined;
  if (!pipe) throw new Error("the control pipe of the task's supervisor is missing");
  pipe.write('go\n');
}

/** The shim would not start the task (an unknown user, a sandbox it cannot give to the user): the message says why. */
export class ShimRefusal extends Error {}

/**
 * The task pid the shim reports on fd 3 (or its refusal, a ShimRefusal); rejects when the pipe ends without one (the pipe, not the
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
        return;
      }
      const refused = /^error (.*)\n/.exec(text);
      if (refused) {
        done();
        reject(new ShimRefusal(refused[1]));
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
