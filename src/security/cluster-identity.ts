// A master's view of the cluster identity: bootstraps the CA through the registry when it
// leads and there is none, mirrors the replicated CA into its data dir (with the admin
// credential for the local CLI), and keeps its own server certificate issued and renewed.
import path from 'node:path';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Registry } from '../registry/registry.js';
import type { CommandLog } from '../registry/command-log.js';
import type { ClusterCaRecord } from '../registry/security-table.js';
import { certificateValidity, createClusterCa, issueNodeKeyAndCertificate, type KeyAndCert } from './ca.js';
import { adminCredential } from './admin-credential.js';
import { FILES, tlsDir, writePrivateFile, writeNodeTls } from './files.js';

export interface ServerCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ClusterIdentityOptions {
  registry: Registry;
  /** The master's data dir (`<data-dir>/master`). */
  dir: string;
  self: { ip: string; port: number };
  clock: Clock;
  logger: Logger;
  /** Called with this master's TLS credentials when first issued and on each renewal. */
  onServerCredentials: (creds: ServerCredentials) => void;
  /** How often the replicated CA and this master's certificate are looked at. Default 1 s. */
  checkIntervalMs?: number;
}

/** A certificate is renewed once two thirds of its lifetime have passed (30 days before a 90-day expiry). */
export function needsRenewal(certPem: string, now: number): boolean {
  const { notBefore, notAfter } = certificateValidity(certPem);
  return now >= notBefore + ((notAfter - notBefore) * 2) / 3;
}

/** How long a new cluster's first leader waits for its founding masters before creating the CA. */
export const FOUNDERS_WAIT_MS = 30_000;

export class ClusterIdentity {
  private installedCa: string | null = null;
  private own: KeyAndCert | null = null;
  private timer: Timer | null = null;
  private syncing: Promise<void> | null = null;
  private bootstrapping: Promise<void> | null = null;
  private stopped = false;
  private bootstrapGeneration = 0;

  constructor(private readonly opts: ClusterIdentityOptions) {}

  ca(): ClusterCaRecord | undefined {
    return this.opts.registry.clusterCa();
  }

  start(): void {
    this.timer = this.opts.clock.setInterval(() => void this.sync(), this.opts.checkIntervalMs ?? 1000);
    void this.sync();
  }

  /** Stops the periodic check and waits for work in flight (call after the Raft driver stopped). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await Promise.allSettled([this.bootstrapping, this.syncing]);
  }

  /**
   * On the leader: creates the cluster CA when the registry has none (the first master of a
   * cluster). It waits (at most FOUNDERS_WAIT_MS) until `foundersReady` says every founding
   * master follows this leader: the CA entry then reaches them all over the plain HTTP of the
   * bootstrap, after which masters speak mutual TLS only (a founder that missed it must join
   * with a token). A failure (leadership lost mid-way) is logged; the next leader tries again.
   */
  bootstrap(log: CommandLog, foundersReady: () => boolean = () => true): void {
    if (this.ca() || this.bootstrapping || this.stopped) return;
    const generation = ++this.bootstrapGeneration;
    this.bootstrapping = (async () => {
      const since = this.opts.clock.monotonic();
      while (!foundersReady() && this.opts.clock.monotonic() - since < FOUNDERS_WAIT_MS) {
        await new Promise<void>((resolve) => this.opts.clock.setTimeout(resolve, 100));
        if (this.stopped || generation !== this.bootstrapGeneration || this.ca()) return;
      }
      if (!foundersReady()) this.opts.logger.warn(`not every founding master followed within ${FOUNDERS_WAIT_MS} ms; creating the cluster CA anyway (a master that missed it joins with a token)`);
      const now = this.opts.clock.now();
      const ca = await createClusterCa(now);
      await log.propose({ type: 'SET_CLUSTER_CA', certPem: ca.certPem, keyPem: ca.keyPem, at: now });
      this.opts.logger.info('created the cluster CA');
      await this.sync();
    })().catch((e: unknown) => {
      if (!this.stopped) this.opts.logger.warn('could not create the cluster CA; the next leader retries', { error: e instanceof Error ? e.message : String(e) });
    }).finally(() => {
      this.bootstrapping = null;
    });
  }

  /** Leadership lost: a bootstrap still waiting for the founders gives up. */
  cancelBootstrap(): void {
    this.bootstrapGeneration++;
  }

  /** Mirrors the replicated CA to disk and (re)issues this master's certificate when needed. Never throws. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.syncing ??= this.syncOnce().catch((e: unknown) => {
      if (!this.stopped) this.opts.logger.warn('cluster identity: sync failed', { error: e instanceof Error ? e.message : String(e) });
    }).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const ca = this.ca();
    if (!ca) return;
    const now = this.opts.clock.now();
    const dir = tlsDir(this.opts.dir);
    const { ip, port } = this.opts.self;
    const caChanged = this.installedCa !== ca.certPem;
    if (!caChanged && this.own && !needsRenewal(this.own.certPem, now)) return;
    const own = await issueNodeKeyAndCertificate({ ca, role: 'master', name: `${ip}:${port}`, ips: [ip], now });
    writeNodeTls(this.opts.dir, { caPem: ca.certPem, ...own });
    if (caChanged) {
      writePrivateFile(path.join(dir, FILES.caKey), ca.keyPem);
      // Last: its presence tells the local CLI (and tests) that the rest is in place.
      writePrivateFile(path.join(dir, FILES.admin), JSON.stringify({ token: adminCredential(ca.keyPem), master: `${ip}:${port}` }) + '\n');
    }
    this.own = own;
    this.installedCa = ca.certPem;
    this.opts.onServerCredentials({ caPem: ca.certPem, ...own });
    this.opts.logger.info('master certificate issued', { notAfter: new Date(certificateValidity(own.certPem).notAfter).toISOString() });
  }
}
