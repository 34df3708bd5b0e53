import type { ContainerUsage, Containerizer, ContainerTermination, LaunchSpec, LaunchedContainer, RecoveredContainer } from '../../src/containerizer/types.js';

/**
 * A containerizer double for tests of the master's behaviour: launches "run" until the test
 * ends them (`exit`) or the agent kills them; no process, no wall-clock time. It follows the
 * Containerizer contract (termination resolves once and never rejects; kill of an unknown id resolves).
 */
export class FakeContainerizer implements Containerizer {
  readonly name = 'posix' as const;
  readonly launched: LaunchSpec[] = [];
  private readonly running = new Map<string, { spec: LaunchSpec; end(t: ContainerTermination): void }>();

  supports(): boolean {
    return true;
  }

  launch(spec: LaunchSpec): Promise<LaunchedContainer> {
    if (this.running.has(spec.containerId)) return Promise.reject(new Error(`container ${spec.containerId} is already running`));
    this.launched.push(spec);
    let end!: (t: ContainerTermination) => void;
    const termination = new Promise<ContainerTermination>((resolve) => (end = resolve));
    this.running.set(spec.containerId, { spec, end });
    return Promise.resolve({ containerId: spec.containerId, pid: null, termination });
  }

  kill(containerId: string): Promise<void> {
    this.finish(containerId, { exitCode: null, signal: 'SIGTERM', killed: true, message: 'killed' });
    return Promise.resolve();
  }

  /** Nothing outlives a test's agent: there is nothing to take back. */
  recover(): Promise<RecoveredContainer[]> {
    return Promise.resolve([]);
  }

  usage(containerId: string): Promise<ContainerUsage | undefined> {
    return Promise.resolve(this.running.has(containerId) ? { timestamp: 0, cpusTimeSecs: 0, memRssBytes: 0 } : undefined);
  }

  containers(): string[] {
    return [...this.running.keys()];
  }

  /** Ends the container of task `taskId` with `exitCode`. */
  exit(taskId: string, exitCode = 0): void {
    const c = [...this.running.values()].find((x) => x.spec.env['MESOS_TASK_ID'] === taskId);
    if (!c) throw new Error(`no running container for task ${taskId}`);
    this.finish(c.spec.containerId, { exitCode, signal: null, killed: false, message: `Command exited with status ${exitCode}` });
  }

  private finish(containerId: string, t: ContainerTermination): void {
    const c = this.running.get(containerId);
    if (!c) return;
    this.running.delete(containerId);
    c.end(t);
  }
}
