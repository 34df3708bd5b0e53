// The checkpointed status update streams of checkpointing frameworks (Mesos task.updates): one
// append-only file per task, `<workDir>/meta/updates/<sha256(frameworkId, taskId)>.jsonl`
// (paths.ts), one JSON line per update enqueued and per acknowledgement; replayed after an agent
// restart into the updates still waiting for their acknowledgement, in order. The file goes when
// the stream ends (its terminal update acknowledged).
//
// Lines are appended with one write each and not fsynced: an agent crash keeps the page cache,
// and a power loss is a reboot, after which checkpoints are forgotten anyway (boot.ts). A torn
// last line (a write cut short) is ignored on replay.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDirBelow } from './paths.js';
import type { TaskStatus } from '../wire/mesos.js';

type Record = { type: 'update'; frameworkId: string; status: TaskStatus } | { type: 'ack'; uuid: string };

export interface JournaledStream {
  frameworkId: string;
  taskId: string;
  /** Updates not acknowledged yet, oldest first. */
  pending: TaskStatus[];
}

export class StatusUpdateJournal {
  /** `root`: the agent's work dir; once it is gone nothing is appended (see ensureDirBelow). */
  constructor(private readonly dir: string, private readonly root: string) {}

  appendUpdate(frameworkId: string, status: TaskStatus): void {
    this.append(frameworkId, status.task_id.value, { type: 'update', frameworkId, status });
  }

  appendAck(frameworkId: string, taskId: string, uuid: string): void {
    this.append(frameworkId, taskId, { type: 'ack', uuid });
  }

  /** The stream ended (or its framework went away): nothing of it needs replaying. */
  remove(frameworkId: string, taskId: string): void {
    fs.rmSync(this.fileOf(frameworkId, taskId), { force: true });
  }

  /** Every stream with updates still unacknowledged; streams with none left are removed. */
  load(): { streams: JournaledStream[]; errors: string[] } {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => n.endsWith('.jsonl'));
    } catch {
      return { streams: [], errors: [] };
    }
    const streams: JournaledStream[] = [];
    const errors: string[] = [];
    for (const name of names.sort()) {
      const file = path.join(this.dir, name);
      const replayed = replay(fs.readFileSync(file, 'utf8'));
      if (replayed.error !== undefined) errors.push(`${file}: ${replayed.error}`);
      if (replayed.stream && replayed.stream.pending.length > 0) streams.push(replayed.stream);
      else fs.rmSync(file, { force: true });
    }
    return { streams, errors };
  }

  private append(frameworkId: string, taskId: string, record: Record): void {
    if (!ensureDirBelow(this.root, this.dir)) return;
    fs.appendFileSync(this.fileOf(frameworkId, taskId), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }

  private fileOf(frameworkId: string, taskId: string): string {
    // Ids come from frameworks: hashed, never used as path segments.
    return path.join(this.dir, `${createHash('sha256').update(frameworkId).update('\0').update(taskId).digest('hex')}.jsonl`);
  }
}

/** The pending updates a journal's text leaves: updates in order, each ack removing the head it names. */
export function replay(text: string): { stream: JournaledStream | undefined; error?: string } {
  let stream: JournaledStream | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let record: Record;
    try {
      record = JSON.parse(line) as Record;
    } catch {
      // Only the last line can be torn by a crash; anything else is damage worth a log line.
      const last = lines.slice(i + 1).every((l) => l === '');
      return { stream, ...(last ? {} : { error: `unreadable line ${i + 1}; later updates dropped` }) };
    }
    if (record.type === 'update') {
      stream ??= { frameworkId: record.frameworkId, taskId: record.status.task_id.value, pending: [] };
      stream.pending.push(record.status);
    } else if (stream?.pending[0]?.uuid === record.uuid) {
      stream.pending.shift();
    }
  }
  return { stream };
}
