// Parsing the cgroup files (pure) and where container cgroups go for v1 and v2 layouts.
import { describe, expect, it } from 'vitest';
import { parseFlatKeyed, parseProcCgroup, sharesToWeight } from '../../src/containerizer/cgroups-fs.js';
import { CgroupsIsolator } from '../../src/containerizer/cgroups.js';

describe('cgroup files', () => {
  it('/proc/self/cgroup: v1 controllers (also comma-joined) and the v2 unified path', () => {
    const m = parseProcCgroup('12:cpu,cpuacct:/a\n4:memory:/process_api/x\n1:name=systemd:/\n0::/user.slice/s.scope\n');
    expect(m.get('cpu')).toBe('/a');
    expect(m.get('cpuacct')).toBe('/a');
    expect(m.get('memory')).toBe('/process_api/x');
    expect(m.get('')).toBe('/user.slice/s.scope');
  });

  it('flat keyed files: memory.oom_control, memory.events, cpu.stat', () => {
    expect(parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n').get('oom_kill')).toBe(2);
    expect(parseFlatKeyed('low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n').get('oom_kill')).toBe(1);
    expect(parseFlatKeyed('usage_usec 1500\nnr_throttled 7\n')).toEqual(new Map([['usage_usec', 1500], ['nr_throttled', 7]]));
  });

  it('shares to v2 weight as runc converts them', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262_144)).toBe(10_000);
  });

  it('v1: container cgroups nest under the agent\'s own cgroup per hierarchy', () => {
    const iso = new CgroupsIsolator({
      version: 'v1',
      mounts: { cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct', memory: '/sys/fs/cgroup/memory' },
      own: { cpu: '/', cpuacct: '/', memory: '/process_api/x' },
    }, { cpu: true, mem: true });
    expect(iso.baseDirs()).toEqual(['/sys/fs/cgroup/cpu/tsmesos', '/sys/fs/cgroup/cpuacct/tsmesos', '/sys/fs/cgroup/memory/process_api/x/tsmesos']);
  });

  it('v2: container cgroups go beside the agent\'s cgroup (a cgroup with processes cannot delegate controllers)', () => {
    const v2 = (own: string) => new CgroupsIsolator({ version: 'v2', mounts: { cpu: '/sys/fs/cgroup', cpuacct: '/sys/fs/cgroup', memory: '/sys/fs/cgroup' }, own: { cpu: own, cpuacct: own, memory: own } }, { cpu: true, mem: true });
    expect(v2('/').baseDirs()).toEqual(['/sys/fs/cgroup/tsmesos']);
    expect(v2('/system.slice/tsmesos-agent.service').baseDirs()).toEqual(['/sys/fs/cgroup/system.slice/tsmesos']);
  });
});
