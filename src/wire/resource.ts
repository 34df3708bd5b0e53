// Domain Resource -> v1 Resource, in the two Mesos reservation formats. Reading goes the other
// way through parseResourceList (src/domain/resources.ts), which takes either format.
import type { Reservation, Resource as DomainResource } from '../domain/resources.js';
import type { Resource } from './mesos.js';

type ReservationInfo = Resource['reservations'][number];

function reservationInfo(l: Reservation): ReservationInfo {
  return {
    type: l.type, role: l.role,
    ...(l.principal !== undefined ? { principal: l.principal } : {}),
    ...(l.labels !== undefined ? { labels: { labels: l.labels.map((x) => ({ ...x })) } } : {}),
  };
}

/** The reservation stack, bottom to top, as RESERVATION_REFINEMENT frameworks see it (static ones included). */
function stackOf(r: DomainResource): ReservationInfo[] {
  if (r.reservations !== undefined) return r.reservations.map(reservationInfo);
  return r.role === '*' ? [] : [{ type: 'STATIC', role: r.role }];
}

export type ReservationFormat =
  /** `role`, plus `reservation{principal, labels}` when the top reservation is dynamic (Mesos before refinement). */
  | 'pre-refinement'
  /** `reservations` only (frameworks with RESERVATION_REFINEMENT). */
  | 'refinement'
  /**
   * Mesos's ENDPOINT format (operator API, /master/state `_full`): `reservations` always, plus the
   * pre-refinement `role` and `reservation` when there is at most one layer. Either kind of
   * reader finds what it looks for; it is also what travels between master and agent.
   */
  | 'endpoint';

export function resourceToWire(r: DomainResource, format: ReservationFormat): Resource {
  const { role, reservations: _stack, ...value } = r;
  const top = r.reservations?.at(-1);
  const single = top?.type === 'DYNAMIC'
    ? { reservation: { ...(top.principal !== undefined ? { principal: top.principal } : {}), ...(top.labels !== undefined ? { labels: { labels: top.labels.map((x) => ({ ...x })) } } : {}) } }
    : {};
  switch (format) {
    case 'refinement':
      return { ...value, reservations: stackOf(r) };
    case 'pre-refinement':
      return { ...value, role, ...single, reservations: [] };
    case 'endpoint':
      return (r.reservations?.length ?? 0) > 1 ? { ...value, reservations: stackOf(r) } : { ...value, role, ...single, reservations: stackOf(r) };
  }
}
