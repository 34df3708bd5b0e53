import { randomBytes, randomUUID } from 'node:crypto';

// The only source of randomness. Tests pass a seeded Rng.
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uuid(): string;
  bytes(n: number): Buffer;
}

export const systemRng: Rng = {
  next: () => randomBytes(4).readUInt32BE(0) / 0x1_0000_0000,
  uuid: () => randomUUID(),
  bytes: (n) => randomBytes(n),
};

/** Deterministic generator (mulberry32) for simulations and tests. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const bytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
    return b;
  };
  return {
    next,
    bytes,
    uuid() {
      const b = bytes(16);
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}
