// Small Mesos conventions that are not wire shapes (those live in src/wire/).

/** Dotted-quad IPv4, each part 0-255. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Mesos packs IPv4 into a uint32 in network order read as little-endian host int. */
export function ipToMesosInt(ip: string): number {
  if (!isIPv4(ip)) return 0;
  const p = ip.split('.').map(Number);
  return ((p[3]! << 24) >>> 0) + (p[2]! << 16) + (p[1]! << 8) + p[0]!;
}
