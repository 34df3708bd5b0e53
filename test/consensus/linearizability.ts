// A Wing–Gong linearizability checker with Lowe's memoization (as in porcupine), for a
// key-value register model. Histories are partitioned by key: a KV store is linearizable
// iff each key's register is (linearizability is compositional).

export type KvOp =
  | { readonly kind: 'write'; readonly key: string; readonly value: string; readonly call: number; readonly ret: number }
  | { readonly kind: 'read'; readonly key: string; readonly value: string | undefined; readonly call: number; readonly ret: number };

/** A write whose outcome is unknown (timed out) has ret = Infinity: it may apply at any later point, or never. */
export const UNKNOWN_RETURN = Number.POSITIVE_INFINITY;

interface Node {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Node | null; // call -> its return
  prev: Node | null;
  next: Node | null;
}

type RegisterState = string | undefined;

function step(state: RegisterState, op: KvOp): [boolean, RegisterState] {
  return op.kind === 'write' ? [true, op.value] : [op.value === state, state];
}

export function checkRegister(ops: readonly KvOp[]): boolean {
  if (ops.length === 0) return true;
  const events: Node[] = [];
  ops.forEach((op, i) => {
    const call: Node = { op: i, isCall: true, time: op.call, match: null, prev: null, next: null };
    const ret: Node = { op: i, isCall: false, time: op.ret, match: null, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls before returns at equal times: touching operations count as concurrent (permissive).
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const head: Node = { op: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let tail = head;
  for (const e of events) {
    e.prev = tail;
    tail.next = e;
    tail = e;
  }
  const lift = (call: Node): void => {
    for (const n of [call, call.match!]) {
      n.prev!.next = n.next;
      if (n.next) n.next.prev = n.prev;
    }
  };
  const unlift = (call: Node): void => {
    for (const n of [call.match!, call]) {
      n.prev!.next = n;
      if (n.next) n.next.prev = n;
    }
  };
  const cache = new Set<string>();
  const stack: { call: Node; state: RegisterState }[] = [];
  let linearized = 0n;
  let state: RegisterState = undefined;
  let entry = head.next;
  while (head.next !== null) {
    if (entry === null) return false;
    if (entry.isCall) {
      const [ok, next] = step(state, ops[entry.op]!);
      const bits = linearized | (1n << BigInt(entry.op));
      const key = `${bits.toString(36)}|${next ?? '\u0000'}`;
      if (ok && !cache.has(key)) {
        cache.add(key);
        stack.push({ call: entry, state });
        state = next;
        linearized = bits;
        lift(entry);
        entry = head.next;
      } else {
        entry = entry.next;
      }
    } else {
      // Some operation returned before any candidate could be linearized: backtrack.
      const top = stack.pop();
      if (!top) return false;
      state = top.state;
      linearized &= ~(1n << BigInt(top.call.op));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return true;
}

/** Returns the keys whose history is not linearizable (empty means linearizable). */
export function checkKvHistory(ops: readonly KvOp[]): string[] {
  const byKey = new Map<string, KvOp[]>();
  for (const op of ops) {
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  return [...byKey.keys()].sort().filter((k) => !checkRegister(byKey.get(k)!));
}
