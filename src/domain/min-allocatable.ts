import { TsmesosError } from './errors.js';
import type { Resources } from './resources.js';

// Minimum allocatable resources (Mesos --min_allocatable_resources and, per framework and role,
// FrameworkInfo.offer_filters[role].min_allocatable_resources): an offer is made only when what
// is left on an agent holds at least one of the listed sets of quantities. No sets: anything
// non-empty is allocatable.

/** Quantities that must all be there (a `;` list in the flag): name -> amount. */
export type ResourceQuantities = ReadonlyMap<string, number>;

/** Mesos's default: `cpus:0.01|mem:32`. */
export const DEFAULT_MIN_ALLOCATABLE: readonly ResourceQuantities[] = [new Map([['cpus', 0.01]]), new Map([['mem', 32]])];

const NAME = /^[A-Za-z0-9_./-]+$/;

/** `disk:1|cpus:1;mem:32;ports:1`: `|` separates alternatives, `;` joins quantities that must all hold. */
export function parseMinAllocatable(text: string): ResourceQuantities[] {
  const bad = (why: string): never => {
    throw new TsmesosError('BAD_REQUEST', `min allocatable resources '${text.slice(0, 100)}': ${why}`);
  };
  if (text.length > 4096) bad('too long');
  return text.split('|').map((alternative) => {
    const quantities = new Map<string, number>();
    for (const part of alternative.split(';')) {
      const m = /^\s*([^:\s]+)\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*$/.exec(part);
      if (!m) bad(`expected NAME:AMOUNT, got '${part.slice(0, 40)}'`);
      const [, name, amount] = m!;
      if (!NAME.test(name!)) bad(`invalid resource name '${name!.slice(0, 40)}'`);
      if (quantities.has(name!)) bad(`'${name!}' appears twice in one set`);
      quantities.set(name!, Number(amount));
    }
    return quantities;
  });
}

/** Mesos's validation of offer_filters quantities: at least one per set, each finite and >= 0. */
export function minAllocatableProblem(sets: readonly Readonly<Record<string, { value: number }>>[]): string | undefined {
  for (const set of sets) {
    const entries = Object.entries(set);
    if (entries.length === 0) return 'Resource quantities must contain at least one quantity';
    for (const [name, { value }] of entries) {
      if (!Number.isFinite(value)) return `Invalid resource quantity for '${name}': not a finite number`;
      if (value < 0) return `Invalid resource quantity for '${name}': Negative values not supported`;
    }
  }
  return undefined;
}

export const quantitiesOf = (set: Readonly<Record<string, { value: number }>>): ResourceQuantities =>
  new Map(Object.entries(set).map(([name, { value }]) => [name, value]));

// Quantities compare in thousandths, as Resources stores scalars.
const holds = (r: Resources, q: ResourceQuantities): boolean => {
  for (const [name, amount] of q) if (Math.round(r.quantity(name) * 1000) < Math.round(amount * 1000)) return false;
  return true;
};

/** Whether `r` may be offered under `sets` (Mesos HierarchicalAllocatorProcess::allocatable). */
export function isAllocatable(r: Resources, sets: readonly ResourceQuantities[]): boolean {
  if (r.isEmpty()) return false;
  return sets.length === 0 || sets.some((q) => holds(r, q));
}
