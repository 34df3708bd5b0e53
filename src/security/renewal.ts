// A joined node keeps its certificate fresh by itself: once two thirds of its lifetime have
// passed, it makes a new key and asks a master to sign it, authenticated by the certificate it
// still holds (mutual TLS). No restart: the new one is used for every new connection.
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { HttpClient } from '../lib/http-client.js';
import { checkNodeCertificate, createNodeKeyAndCsr, keyMatchesCertificate } from './ca.js';
import { needsRenewal } from './cluster-identity.js';
import type { NodeTlsFiles } from './files.js';
import { RENEW_PATH } from './paths.js';

export interface RenewerOptions {
  initial: NodeTlsFiles;
  role: 'agent' | 'master';
  masters: { host: string; port: number }[];
  localAddress?: string;
  clock: Clock;
  logger: Logger;
  /** Persist and start using the new certificate. */
  onRenewed: (tls: NodeTlsFiles) => void;
  /** How often the certificate's age is looked at. Default 1 hour. */
  checkIntervalMs?: number;
}

export class CertificateRenewer {
  private current: NodeTlsFiles;
  private timer: Timer | null = null;
  private running: Promise<boolean> | null = null;

  constructor(private readonly opts: RenewerOptions) {
    this.current = opts.initial;
  }

  get tls(): NodeTlsFiles {
    return this.current;
  }

  start(): void {
    this.timer = this.opts.clock.setInterval(() => void this.checkOnce(), this.opts.checkIntervalMs ?? 3600_000);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Renews when due; resolves true when a new certificate is in use. Never throws (a failure is retried at the next check). */
  checkOnce(): Promise<boolean> {
    this.running ??= this.renewIfDue().catch((e: unknown) => {
      this.opts.logger.warn('certificate renewal failed; retrying later', { error: e instanceof Error ? e.message : String(e) });
      return false;
    }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async renewIfDue(): Promise<boolean> {
    const now = this.opts.clock.now();
    if (!needsRenewal(this.current.certPem, now)) return false;
    const { caPem, certPem, keyPem } = this.current;
    const client = new HttpClient({ ...(this.opts.localAddress !== undefined ? { localAddress: this.opts.localAddress } : {}), tls: { caPem, certPem, keyPem, serverRole: 'master' } });
    const fresh = await createNodeKeyAndCsr('renewal');
    const problems: string[] = [];
    for (const m of this.opts.masters) {
      try {
        const res = await client.request({ host: m.host, port: m.port, path: RENEW_PATH, method: 'POST', timeoutMs: 10_000, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csr: fresh.csrPem }) });
        if (res.status !== 200) {
          problems.push(`${m.host}:${m.port} answered ${res.status} ${res.body.slice(0, 200)}`);
          continue;
        }
        const issued = (JSON.parse(res.body) as { certificate?: unknown }).certificate;
        if (typeof issued !== 'string') throw new Error('no certificate in the answer');
        const check = checkNodeCertificate(issued, caPem, now);
        if (!check.ok || check.role !== this.opts.role || !keyMatchesCertificate(fresh.keyPem, issued)) throw new Error('the master answered with an unusable certificate');
        this.current = { caPem, certPem: issued, keyPem: fresh.keyPem };
        this.opts.onRenewed(this.current);
        this.opts.logger.info('certificate renewed');
        return true;
      } catch (e) {
        problems.push(`${m.host}:${m.port}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new Error(problems.join('; '));
  }
}
