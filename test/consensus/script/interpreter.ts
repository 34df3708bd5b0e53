// A tiny script language driving a few RaftNodes by hand; every delivered message and
// state change is written to a transcript that golden tests compare.
import { RaftNode } from '../../../src/consensus/core/raft.js';
import type { ConfChangeType, Message, NodeId } from '../../../src/consensus/core/types.js';
import { MemoryStorage } from '../../../src/consensus/storage.js';
import { formatEntry, formatMessage } from './format.js';

interface ScriptNode {
  readonly id: NodeId;
  readonly bootstrap: readonly NodeId[];
  readonly storage: MemoryStorage;
  raft: RaftNode | null;
  /** The state machine: payloads of applied normal entries. */
  applied: string[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class ScriptRunner {
  private readonly nodes = new Map<NodeId, ScriptNode>();
  private queue: Message[] = [];
  private groups = new Map<NodeId, number>();
  /** One-way cuts ("a>b": a cannot reach b), on top of the symmetric groups. */
  private cuts = new Set<string>();
  /** Entries per append for nodes started from now on (`batch N`). */
  private maxBatchEntries = 4;
  private readonly out: string[] = [];

  run(script: string): string {
    for (const raw of script.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) {
        this.out.push(raw);
        continue;
      }
      this.out.push(`> ${line}`);
      this.exec(line);
    }
    return this.out.join('\n') + '\n';
  }

  private exec(line: string): void {
    const [cmd = '', ...args] = line.match(/"[^"]*"|\S+/g) ?? [];
    const arg = (i: number): string => {
      const a = args[i];
      if (a === undefined) throw new Error(`${cmd}: missing argument ${i + 1}`);
      return a.replace(/^"|"$/g, '');
    };
    switch (cmd) {
      case 'cluster': for (const id of args) this.spawn(id, args); break;
      case 'campaign': this.raft(arg(0)).campaign(); this.flush(); break;
      case 'tick': this.tick(arg(0), Number((args[1] ?? 'x1').slice(1))); break;
      case 'deliver': this.deliver(args[0] ? Number(args[0].slice(1)) : Infinity); break;
      case 'partition': this.partition(args); break;
      case 'cut': this.cut(args); break;
      case 'heal': this.groups = new Map(); this.cuts = new Set(); break;
      case 'batch': this.maxBatchEntries = Number(arg(0)); break;
      case 'propose': this.report(this.raft(arg(0)).propose(arg(1))); this.flush(); break;
      case 'read': this.report(this.raft(arg(0)).readIndex(arg(1))); this.flush(); break;
      case 'compact': this.compact(arg(0), Number(arg(1))); break;
      case 'add-learner': this.spawn(arg(0), []); this.confChange('addLearner', arg(0)); break;
      case 'promote': this.confChange('promote', arg(0)); break;
      case 'remove': this.confChange('remove', arg(0)); break;
      case 'transfer': this.report(this.raft(arg(0)).transferLeadership(arg(1))); this.flush(); break;
      case 'crash': this.nodes.get(arg(0))!.raft = null; this.out.push(`${arg(0)}: crashed (unpersisted state lost)`); break;
      case 'restart': this.start(this.nodes.get(arg(0))!); this.flush(); break;
      case 'status': this.status(); break;
      default: throw new Error(`unknown command ${cmd}`);
    }
  }

  private spawn(id: NodeId, bootstrap: readonly NodeId[]): void {
    const node: ScriptNode = { id, bootstrap, storage: new MemoryStorage(), raft: null, applied: [] };
    this.nodes.set(id, node);
    this.start(node);
  }

  private start(node: ScriptNode): void {
    const persisted = node.storage.load();
    node.raft = new RaftNode({
      id: node.id, voters: node.bootstrap, electionTicks: 4, heartbeatTicks: 1, randomInt: () => 0, maxBatchEntries: this.maxBatchEntries,
    }, persisted);
    node.applied = persisted.snapshot ? (JSON.parse(decoder.decode(persisted.snapshot.data)) as string[]) : [];
  }

  private raft(id: NodeId): RaftNode {
    const r = this.nodes.get(id)?.raft;
    if (!r) throw new Error(`node ${id} is not running`);
    return r;
  }

  private leader(): RaftNode {
    for (const n of this.nodes.values()) if (n.raft?.role === 'leader') return n.raft;
    throw new Error('no leader');
  }

  private report(res: { ok: boolean }): void {
    this.out.push(`  -> ${JSON.stringify(res)}`);
  }

  private tick(target: string, times: number): void {
    const ids = target === 'all' ? [...this.nodes.keys()] : [target];
    for (let i = 0; i < times; i++) {
      for (const id of ids) this.nodes.get(id)?.raft?.tick();
      this.flush();
    }
  }

  private confChange(type: ConfChangeType, node: NodeId): void {
    const leader = this.leader();
    this.out.push(`  (via leader ${leader.id})`);
    this.report(leader.proposeConfChange({ type, node }));
    this.flush();
  }

  private compact(id: NodeId, index: number): void {
    const node = this.nodes.get(id)!;
    const image = encoder.encode(JSON.stringify(node.applied.slice(0, this.appliedCountAt(node, index))));
    this.report(this.raft(id).compact(index, image));
    this.flush();
  }

  /** How many normal entries are applied at `index` (the image must be the state at index). */
  private appliedCountAt(node: ScriptNode, index: number): number {
    const log = node.raft!.log;
    let skip = 0;
    for (let i = index + 1; i <= log.applied; i++) if (log.entry(i)?.type === 'normal') skip++;
    return node.applied.length - skip;
  }

  private partition(args: readonly string[]): void {
    this.groups = new Map();
    let g = 0;
    for (const a of args) {
      if (a === '|') g++;
      else this.groups.set(a, g);
    }
  }

  /** `cut a -> b c`: messages from a to b and c are dropped; b and c still reach a. */
  private cut(args: readonly string[]): void {
    const arrow = args.indexOf('->');
    if (arrow < 1) throw new Error('cut: expected "cut FROM... -> TO..."');
    for (const a of args.slice(0, arrow)) for (const b of args.slice(arrow + 1)) this.cuts.add(`${a}>${b}`);
  }

  /**
   * Delivers queued messages (and the ones they cause) until the network is quiet, or for at
   * most `rounds` rounds (`deliver x1`: only what is queued now; replies stay queued).
   */
  private deliver(rounds: number): void {
    for (let round = 0; this.queue.length > 0 && round < rounds; round++) {
      if (round > 50) throw new Error('deliver: no quiescence after 50 rounds');
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        const to = this.nodes.get(m.to)?.raft;
        const cut = (this.groups.get(m.from) ?? 0) !== (this.groups.get(m.to) ?? 0) || this.cuts.has(`${m.from}>${m.to}`);
        if (!to || cut) {
          this.out.push(`  dropped ${formatMessage(m)}`);
          continue;
        }
        this.out.push(`  ${formatMessage(m)}`);
        to.step(m);
      }
      this.flush();
    }
  }

  /** Ready cycle for every node, in id order: persist, queue messages, apply, advance. */
  private flush(): void {
    for (const node of [...this.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const raft = node.raft;
      if (!raft) continue;
      for (let rd = raft.ready(); rd; rd = raft.ready()) {
        node.storage.save(rd);
        this.queue.push(...rd.messages);
        const ss = rd.softState;
        if (ss) this.out.push(`  ${node.id}: ${ss.role} term=${ss.term} lead=${ss.lead || '-'}`);
        if (rd.snapshot) {
          node.applied = JSON.parse(decoder.decode(rd.snapshot.data)) as string[];
          this.out.push(`  ${node.id}: installed snapshot ${rd.snapshot.index}/${rd.snapshot.term} state=${JSON.stringify(node.applied)}`);
        }
        for (const e of rd.committedEntries) {
          if (e.type === 'normal') node.applied.push(decoder.decode(e.data));
          this.out.push(`  ${node.id}: apply ${formatEntry(e)}`);
        }
        for (const rs of rd.readStates) this.out.push(`  ${node.id}: read ${rs.context} ready at index ${rs.index}`);
        if (rd.compaction) this.out.push(`  ${node.id}: compacted to ${rd.compaction.index}/${rd.compaction.term}`);
        raft.advance(rd);
      }
    }
  }

  private status(): void {
    for (const n of this.nodes.values()) {
      if (!n.raft) {
        this.out.push(`  ${n.id}: down`);
        continue;
      }
      const s = n.raft.status();
      this.out.push(`  ${n.id}: ${s.role} term=${s.term} lead=${s.lead || '-'} commit=${s.commit} last=${s.lastIndex} ` +
        `first=${s.firstIndex} voters=${s.conf.voters.join(',')} learners=${s.conf.learners.join(',')} state=${JSON.stringify(n.applied)}`);
    }
  }
}
