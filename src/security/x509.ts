// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (tsyringe); this module is
// the one place that imports it, so the order cannot be got wrong elsewhere.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type CryptoKey = webcrypto.CryptoKey;

export { x509 };
export const subtle = webcrypto.subtle;

/** ECDSA P-256 with SHA-256: every key of the cluster (CA and nodes). */
export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
