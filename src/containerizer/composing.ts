// Mesos composing containerizer: the first containerizer (in configured order) that supports a
// launch runs it; kill() goes to whichever containerizer launched the container.
import { TsmesosError } from '../domain/errors.js';
import type { CommandSpec, ContainerUsage, Containerizer, LaunchSpec, LaunchedContainer, RecoveredContainer } from './types.js';

/**
 * Everything a Containerizer offers except `name` (the composing one is not a runtime of its own),
 * so the agent can depend on this type and take either a single containerizer or a composition.
 */
export type ContainerRuntime = Omit<Containerizer, 'name'>;

export class ComposingContainerizer implements ContainerRuntime {
  private readonly members: readonly Containerizer[];
  /** One entry object per launch, so a late cleanup cannot remove a relaunch of the same id. */
  private readonly owners = new Map<string, { containerizer: Containerizer }>();

  constructor(containerizers: readonly Containerizer[]) {
    if (containerizers.length === 0) throw new TsmesosError('BAD_REQUEST', 'Composing containerizer needs at least one containerizer');
    this.members = [...containerizers];
  }

  supports(spec: LaunchSpec): boolean {
    return this.members.some((c) => c.supports(spec));
  }

  taskUser(spec: LaunchSpec): string | undefined {
    return this.select(spec)?.taskUser?.(spec);
  }

  /** The containerizer that would run `spec`, if any. */
  select(spec: LaunchSpec): Containerizer | undefined {
    return this.members.find((c) => c.supports(spec));
  }

  async launch(spec: LaunchSpec): Promise<LaunchedContainer> {
    const chosen = this.select(spec);
    if (!chosen) {
      const tried = this.members.map((c) => c.name).join(', ');
      throw new TsmesosError('BAD_REQUEST', `No containerizer (tried: ${tried}) supports container '${spec.containerId}'`);
    }
    if (this.owners.has(spec.containerId)) {
      throw new TsmesosError('CONFLICT', `Container '${spec.containerId}' is already running`);
    }
    // Reserve the id before the await so a concurrent duplicate launch or a racing kill finds it.
    const entry = { containerizer: chosen };
    this.owners.set(spec.containerId, entry);
    try {
      const launched = await chosen.launch(spec);
      this.forgetOnTermination(launched, entry);
      return launched;
    } catch (e) {
      this.forget(spec.containerId, entry);
      throw e;
    }
  }

  async kill(containerId: string, gracePeriodMs: number): Promise<void> {
    await this.owners.get(containerId)?.containerizer.kill(containerId, gracePeriodMs);
  }

  containers(): string[] {
    return this.members.flatMap((c) => c.containers());
  }

  /** Every member recovers its own containers (in order); kill() and usage() then reach them. */
  async recover(): Promise<RecoveredContainer[]> {
    const recovered: RecoveredContainer[] = [];
    for (const member of this.members) {
      for (const container of await member.recover()) {
        if (this.owners.has(container.containerId)) continue;
        const entry = { containerizer: member };
        this.owners.set(container.containerId, entry);
        this.forgetOnTermination(container, entry);
        recovered.push(container);
      }
    }
    return recovered;
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    return this.owners.get(containerId)?.containerizer.usage(containerId);
  }

  async exec(containerId: string, command: CommandSpec, signal: AbortSignal): Promise<number> {
    const member = this.owners.get(containerId)?.containerizer;
    if (member?.exec === undefined) throw new TsmesosError('NOT_FOUND', `Container '${containerId}' cannot run commands inside it`);
    return member.exec(containerId, command, signal);
  }

  async destroyAll(gracePeriodMs: number): Promise<void> {
    await Promise.all([...this.owners.keys()].map((id) => this.kill(id, gracePeriodMs)));
  }

  private forgetOnTermination(launched: LaunchedContainer, entry: { containerizer: Containerizer }): void {
    void launched.termination.then(() => this.forget(launched.containerId, entry));
  }

  private forget(containerId: string, entry: { containerizer: Containerizer }): void {
    if (this.owners.get(containerId) === entry) this.owners.delete(containerId);
  }
}
