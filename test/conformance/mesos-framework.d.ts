// Types for the parts of mesos-framework 0.5.3 (CommonJS, untyped) that the conformance test uses.
declare module 'mesos-framework' {
  import type { EventEmitter } from 'node:events';

  /** A protobufjs 5 message built from the library's bundled Mesos .proto files (0.28.2). */
  export type ProtoMessage = Record<string, unknown>;

  export interface TaskSpec {
    priority?: number;
    instances?: number;
    commandInfo: ProtoMessage;
    resources: { cpus: number; mem: number; disk: number; ports: number };
  }

  export interface SchedulerOptions {
    masterUrl: string;
    port: number;
    frameworkName?: string;
    user?: string;
    restartStates?: string[];
    /** Seconds without data on the event stream before the library treats the master as gone. */
    masterConnectionTimeout?: number;
    logging?: { path?: string; fileName?: string; level?: string };
    tasks?: Record<string, TaskSpec>;
    /** Replace a default event handler; each must take exactly one argument. */
    handlers?: Record<string, (payload: unknown) => void>;
  }

  export class Scheduler extends EventEmitter {
    constructor(options: SchedulerOptions);
    frameworkId: string | null;
    mesosStreamId: string | null | undefined;
    logger: { remove(transportName: string): unknown };
    httpRequest: { destroy(): void } | Record<string, never>;
    subscribe(): void;
    teardown(): void;
    reconcile(taskId?: string, agentId?: string): void;
  }

  export const Mesos: {
    getMesos(): {
      CommandInfo: new (uris: null, environment: null, shell: boolean, value: string, args: null, user: null) => ProtoMessage;
    };
  };
}
