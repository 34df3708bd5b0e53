import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJoinToken } from '../../src/security/join-token.js';
import { REPO, freePort, tempDir, tsmesos } from '../helpers/process.js';

// `tsmesos join <token>` on a packaged machine (the package's hook exists): it configures and
// enables the unit instead of running in the foreground, as k3s's installer does. Run against
// the repository's own hook (packaging/common/tsmesos-service-config) with its test switches:
// TSMESOS_CONF_DIR (a copy of the packaged conffiles) and TSMESOS_SYSTEMD_DIR (absent: no
// systemctl). `--foreground` and a process under systemd (INVOCATION_ID) run the node as before.

const HOOK = path.join(REPO, 'packaging', 'common', 'tsmesos-service-config');
const TOKEN = formatJoinToken({ caHash: 'a'.repeat(64), id: '0123456789abcdef', secret: 'B'.repeat(43), masters: [{ host: '127.0.0.1', port: 1 }] });

async function join(args: string[], confDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TSMESOS_SERVICE_CONFIG: HOOK, TSMESOS_CONF_DIR: confDir, TSMESOS_SYSTEMD_DIR: path.join(confDir, 'no-systemd') };
  delete env['INVOCATION_ID'];
  Object.assign(env, extraEnv);
  const p = tsmesos(['join', ...args], { env });
  const { code } = await p.exited;
  return { code, out: p.output() };
}

function packagedConf(): string {
  const dir = tempDir('tsmesos-join-install-');
  for (const f of ['tsmesos.conf', 'agent.conf']) fs.copyFileSync(path.join(REPO, 'packaging', 'common', f), path.join(dir, f));
  return dir;
}

const settings = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^TSMESOS_/.test(l));

describe('tsmesos join on a packaged machine', () => {
  it('writes the token (0600) and the unit settings, and says how the unit joins', async () => {
    const conf = packagedConf();
    const r = await join([TOKEN, '--resources', 'cpus:1;mem:512', '--attributes', 'rack:r1'], conf);
    expect(r.code, r.out).toBe(0);
    const tokenFile = path.join(conf, 'agent-join-token');
    expect(fs.readFileSync(tokenFile, 'utf8')).toBe(`${TOKEN}\n`);
    expect((fs.statSync(tokenFile).mode & 0o777).toString(8)).toBe('600');
    // Set in place of their commented defaults (the packaged TSMESOS_MASTER stays: the token's masters override it).
    const set = settings(path.join(conf, 'agent.conf'));
    expect(set).toEqual(expect.arrayContaining(['TSMESOS_ROLE="agent"', `TSMESOS_TOKEN_FILE="${tokenFile}"`, 'TSMESOS_RESOURCES="cpus:1;mem:512"', 'TSMESOS_ATTRIBUTES="rack:r1"']));
    expect(set).toHaveLength(5);
    expect(r.out).toContain('systemd is not running');
    expect(r.out).toContain(`the tsmesos-agent unit joins the cluster with the token in ${tokenFile} when it starts`);
    // The secret is not echoed.
    expect(r.out).not.toContain('B'.repeat(43));
  });

  it('--role master configures tsmesos.service', async () => {
    const conf = packagedConf();
    const r = await join([TOKEN, '--role', 'master', '--ip', '127.0.0.1'], conf);
    expect(r.code, r.out).toBe(0);
    expect(settings(path.join(conf, 'tsmesos.conf')).sort()).toEqual(['TSMESOS_IP="127.0.0.1"', `TSMESOS_TOKEN_FILE="${path.join(conf, 'master-join-token')}"`]);
  });

  it('refuses a malformed token and a bad role before writing anything', async () => {
    const conf = packagedConf();
    const before = fs.readFileSync(path.join(conf, 'agent.conf'), 'utf8');
    for (const args of [['TSM1.nope@127.0.0.1:1'], [TOKEN, '--role', 'all']]) {
      const r = await join(args, conf);
      expect(r.code, r.out).toBe(2);
    }
    expect(fs.readFileSync(path.join(conf, 'agent.conf'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(conf, 'agent-join-token'))).toBe(false);
  });

  it('--foreground, or a process started by systemd, joins here instead (and fails here: no master at the token address)', async () => {
    for (const [args, env] of [[['--foreground'], {}], [[], { INVOCATION_ID: 'x' }]] as const) {
      const conf = packagedConf();
      const r = await join([TOKEN, ...args, '--data-dir', path.join(conf, 'data'), '--port', String(await freePort())], conf, env);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/^tsmesos join: /m);
      expect(fs.existsSync(path.join(conf, 'agent-join-token'))).toBe(false);
    }
  });
});
