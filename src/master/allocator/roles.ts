// Hierarchical roles (`eng/web`): a role's ancestors, and which reservations it may use.

/** `eng/web/api` -> ['eng', 'eng/web', 'eng/web/api']; `*` -> ['*']. */
export function rolePath(role: string): string[] {
  if (role === '*') return ['*'];
  const parts = role.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** True when `role` is `ancestor` or below it. */
export function isSelfOrDescendant(role: string, ancestor: string): boolean {
  return role === ancestor || role.startsWith(`${ancestor}/`);
}

/**
 * Resources reserved to `reservationRole` may be offered to `role`: unreserved (`*`)
 * resources to anyone, a reservation to its role and that role's descendants (Mesos:
 * a reservation to `eng` is usable by frameworks in `eng/web`).
 */
export function mayUse(role: string, reservationRole: string): boolean {
  return reservationRole === '*' || isSelfOrDescendant(role, reservationRole);
}
