import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectResources, readHostFacts } from '../../src/agent/detect.js';
import { Resources } from '../../src/domain/resources.js';

const GB = 2 ** 30;
const MB = 2 ** 20;

describe('detectResources', () => {
  it('fills every missing resource from host facts', () => {
    const r = detectResources(Resources.empty(), { cpuCount: 8, totalMemBytes: 16 * GB, diskBytes: 100 * GB });
    expect(r.toString()).toBe(`cpus:8;disk:${95 * 1024};mem:${15 * 1024};ports:[31000-32000]`);
  });

  it('uses half of small memory and disk', () => {
    const r = detectResources(Resources.empty(), { cpuCount: 2, totalMemBytes: 1.5 * GB, diskBytes: 8 * GB });
    expect(r.scalar('mem')).toBe(768);
    expect(r.scalar('disk')).toBe(4096);
  });

  it('applies the thresholds exactly at 2GB and 10GB', () => {
    const r = detectResources(Resources.empty(), { cpuCount: 1, totalMemBytes: 2 * GB, diskBytes: 10 * GB });
    expect(r.scalar('mem')).toBe(1024);
    expect(r.scalar('disk')).toBe(5 * 1024);
    const below = detectResources(Resources.empty(), { cpuCount: 1, totalMemBytes: 2 * GB - MB, diskBytes: 10 * GB - MB });
    expect(below.scalar('mem')).toBe(1023.5);
    expect(below.scalar('disk')).toBe(5119.5);
  });

  it('falls back when facts are unknown', () => {
    const r = detectResources(Resources.empty(), { cpuCount: 0, totalMemBytes: 0, diskBytes: Number.NaN });
    expect(r.toString()).toBe('cpus:1;disk:10240;mem:1024;ports:[31000-32000]');
  });

  it('rounds fractional megabytes to 3 decimals', () => {
    const r = detectResources(Resources.empty(), { cpuCount: 1, totalMemBytes: 3 * GB + 1, diskBytes: 20 * GB });
    expect(r.scalar('mem')).toBe(2048);
  });

  it('keeps named resources as given, in any role', () => {
    const given = Resources.parse('cpus(web):0.5;mem:100;disk:0;ports:[80-80];foo:{a}');
    const r = detectResources(given, { cpuCount: 8, totalMemBytes: 16 * GB, diskBytes: 100 * GB });
    // disk:0 is an empty entry (dropped), so disk is detected like Mesos does.
    expect(r.toString()).toBe(`cpus(web):0.5;disk:${95 * 1024};foo:{a};mem:100;ports:[80-80]`);
  });
});

describe('readHostFacts', () => {
  it('reads the live host, walking up to an existing ancestor for disk', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-detect-'));
    try {
      const facts = readHostFacts(path.join(base, 'does', 'not', 'exist'));
      expect(facts.cpuCount).toBe(os.availableParallelism());
      expect(facts.totalMemBytes).toBe(os.totalmem());
      const st = fs.statfsSync(base);
      expect(facts.diskBytes).toBe(st.blocks * st.bsize);
      expect(facts.diskBytes).toBeGreaterThan(0);
      const r = detectResources(Resources.empty(), facts);
      expect(r.scalar('cpus')).toBe(facts.cpuCount);
      expect(r.contains(Resources.parse('ports:[31000-32000]'))).toBe(true);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
