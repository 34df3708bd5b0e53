// Dynamic reservations (Mesos RESERVE / UNRESERVE) as pure arithmetic on Resources. A reserved
// resource is its unreserved (or less refined) self with one more DYNAMIC layer on top; reserving
// consumes the layer below, unreserving gives it back. The master keeps, per agent, only the
// dynamically reserved part; the agent advertises its static resources, and the master lays the
// reservations over them (`withReservations`).
import { Resources, type Resource } from './resources.js';

/** True when the top reservation of `r` was made by RESERVE. */
export function isDynamic(r: Resource): boolean {
  return r.reservations?.at(-1)?.type === 'DYNAMIC';
}

/** `r` with its top reservation removed: what reserving it consumes, and what unreserving it gives back. */
export function popReservation(r: Resource): Resource {
  const stack = r.reservations ?? [];
  if (stack.length === 0) return r;
  const rest = stack.slice(0, -1);
  const { reservations: _old, ...plain } = r;
  const role = rest.at(-1)?.role ?? '*';
  // Resources.of drops a stack that is left with one plain STATIC layer (it is just `role`).
  return Resources.of([{ ...plain, role, ...(rest.length > 0 ? { reservations: rest } : {}) }]).toArray()[0] ?? { ...plain, role };
}

/** `r` with every dynamic layer removed: the static (or unreserved) resource the agent advertises. */
function staticBase(r: Resource): Resource {
  let x = r;
  while (isDynamic(x)) x = popReservation(x);
  return x;
}

const mapEach = (r: Resources, f: (x: Resource) => Resource): Resources => Resources.of(r.toArray().map(f));

/** What reserving `reserve` consumes. */
export function reserveSource(reserve: Resources): Resources {
  return mapEach(reserve, popReservation);
}

/** The dynamically reserved part of `r`. */
export function dynamicPart(r: Resources): Resources {
  return Resources.of(r.toArray().filter(isDynamic));
}

/** Every entry is dynamically reserved (RESERVE and UNRESERVE take nothing else). */
export function allDynamic(r: Resources): boolean {
  return r.toArray().every(isDynamic);
}

export type ReservationOutcome = { ok: true; total: Resources } | { ok: false; missing: Resources };

/** RESERVE on `pool`: the layer below each reserved resource must be in it. */
export function applyReserve(pool: Resources, reserve: Resources): ReservationOutcome {
  const source = reserveSource(reserve);
  if (!pool.contains(source)) return { ok: false, missing: source.subtract(pool) };
  return { ok: true, total: pool.subtract(source).add(reserve) };
}

/** UNRESERVE on `pool`: the reserved resources must be in it; they go back one layer down. */
export function applyUnreserve(pool: Resources, unreserve: Resources): ReservationOutcome {
  if (!pool.contains(unreserve)) return { ok: false, missing: unreserve.subtract(pool) };
  return { ok: true, total: pool.subtract(unreserve).add(reserveSource(unreserve)) };
}

/**
 * An agent's total: what it advertises with the master's dynamic reservations laid over it.
 * A reservation whose base the agent no longer advertises (it came back smaller) is left out
 * of the total, not dropped: `skipped` names it, and it returns when the resources do.
 */
export function withReservations(advertised: Resources, reservations: Resources): { total: Resources; skipped: Resources } {
  let total = advertised;
  let skipped = Resources.empty();
  for (const r of reservations.toArray()) {
    const one = Resources.of([r]);
    const base = Resources.of([staticBase(r)]);
    if (total.contains(base)) total = total.subtract(base).add(one);
    else skipped = skipped.add(one);
  }
  return { total, skipped };
}
