import type { Command } from 'commander';
import { TsmesosError } from '../domain/errors.js';
import { Resources, roleError } from '../domain/resources.js';
import { CliFailure, fmt, masterDelete, masterGet, operatorAction, runCommand, table, type MasterOptions } from './master-client.js';

// `tsmesos quota ls|set|rm`: thin clients of GET /master/quota, the operator API's UPDATE_QUOTA
// (guarantees and limits, QUOTA_V2) and DELETE /master/quota/<role>.

interface QuotaStatusJson {
  configs?: { role: string; guarantees?: Record<string, { value: number }>; limits?: Record<string, { value: number }> }[];
}

const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** `cpus:2;mem:1024` as a QuotaConfig map; anything but unreserved scalars is a CliFailure. */
export function quotaMap(text: string, what: string): Record<string, { value: number }> {
  let parsed: Resources;
  try {
    parsed = Resources.parse(text);
  } catch (e) {
    throw new CliFailure(`invalid ${what} '${text.slice(0, 80)}': ${e instanceof TsmesosError ? e.message : String(e)}`);
  }
  const out: Record<string, { value: number }> = {};
  for (const r of parsed.toArray()) {
    if (r.type !== 'SCALAR' || r.role !== '*') throw new CliFailure(`invalid ${what}: only unreserved scalar amounts (cpus, mem, disk, gpus) have quota, not '${r.name}'`);
    out[r.name] = { value: r.scalar.value };
  }
  return out;
}

const checkRole = (role: string): void => {
  const why = role === '*' ? "quota applies to named roles, not '*'" : roleError(role);
  if (why !== undefined) throw new CliFailure(`invalid role '${role.slice(0, 80)}': ${why}`);
};

export function registerQuota(program: Command, setExit: (code: number) => void): void {
  const quota = program.command('quota').description("roles' quota: guaranteed and maximum resources (ls, set, rm)");
  quota.command('ls')
    .description('list the roles that have quota, with guarantees and limits')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .option('--json', 'print the QuotaStatus JSON (GET /master/quota)')
    .action((opts: MasterOptions) => runCommand('quota ls', setExit, async () => {
      const status = await masterGet<QuotaStatusJson>(opts, '/master/quota');
      if (opts.json) {
        process.stdout.write(JSON.stringify(status) + '\n');
        return;
      }
      const cell = (m: Record<string, { value: number }> | undefined, k: string): string => (m?.[k] !== undefined ? fmt(m[k].value) : '-');
      const rows = (status.configs ?? []).map((c) => [c.role, ...SCALARS.map((k) => `${cell(c.guarantees, k)}/${cell(c.limits, k)}`)]);
      process.stdout.write(table(['ROLE', ...SCALARS.map((k) => `${k.toUpperCase()} (GUARANTEE/LIMIT)`)], rows));
    }));
  quota.command('set <ROLE> <GUARANTEE>')
    .description("set a role's quota (operator UPDATE_QUOTA), e.g. quota set eng 'cpus:2;mem:1024' --limit 'cpus:4;mem:4096'; GUARANTEE may be '' for a limit only")
    .option('--limit <RESOURCES>', 'the most the role may use (default: no limit)')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .action((role: string, guarantee: string, opts: MasterOptions & { limit?: string }) => runCommand('quota set', setExit, async () => {
      checkRole(role);
      const guarantees = guarantee.trim() === '' ? {} : quotaMap(guarantee, 'guarantee');
      const limits = opts.limit !== undefined ? quotaMap(opts.limit, '--limit') : undefined;
      if (Object.keys(guarantees).length === 0 && (limits === undefined || Object.keys(limits).length === 0)) throw new CliFailure('give a guarantee, a --limit, or both (to remove quota: tsmesos quota rm ROLE)');
      await operatorAction(opts, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role, guarantees, ...(limits !== undefined ? { limits } : {}) }] } });
      process.stdout.write(`quota of role ${role} set\n`);
    }));
  quota.command('rm <ROLE>')
    .description("remove a role's quota (DELETE /master/quota/ROLE)")
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .action((role: string, opts: MasterOptions) => runCommand('quota rm', setExit, async () => {
      checkRole(role);
      await masterDelete(opts, `/master/quota/${role.split('/').map(encodeURIComponent).join('/')}`);
      process.stdout.write(`quota of role ${role} removed\n`);
    }));
}
