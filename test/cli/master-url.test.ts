import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { masterTarget, parseMasterUrl } from '../../src/cli/status.js';
import { cliBearer, pinnedClusterCa, MasterHttpError } from '../../src/cli/master-http.js';
import { tempDir } from '../helpers/process.js';

describe('the master URL of the CLI', () => {
  it('takes http:// and https:// (then TLS pinned to the cluster CA), host:port alone meaning http', () => {
    expect(parseMasterUrl('http://10.0.0.1:5050')).toEqual({ host: '10.0.0.1', port: 5050, scheme: 'http' });
    expect(parseMasterUrl('https://10.0.0.1:5443/')).toEqual({ host: '10.0.0.1', port: 5443, scheme: 'https' });
    expect(parseMasterUrl('10.0.0.1:5051')).toEqual({ host: '10.0.0.1', port: 5051, scheme: 'http' });
    expect(parseMasterUrl('https://m1.example')).toEqual({ host: 'm1.example', port: 5050, scheme: 'https' });
    expect(() => parseMasterUrl('ftp://x:1')).toThrow(/expected an http:\/\/ or https:\/\/ URL/);
    expect(() => masterTarget(undefined, { TSMESOS_MASTER: 'gopher://x' })).toThrow(/from the environment variable TSMESOS_MASTER/);
  });
});

describe('the cluster CA the CLI pins', () => {
  it('TSMESOS_CA_FILE first, then the data dir (a master\'s, then a joined agent\'s); none: null', () => {
    const dir = tempDir();
    expect(pinnedClusterCa({ TSMESOS_DATA_DIR: dir })).toBeNull();
    fs.mkdirSync(path.join(dir, 'agent', 'tls'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'agent', 'tls', 'ca.crt'), 'AGENT CA');
    expect(pinnedClusterCa({ TSMESOS_DATA_DIR: dir })?.pem).toBe('AGENT CA');
    fs.mkdirSync(path.join(dir, 'master', 'tls'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'master', 'tls', 'ca.crt'), 'MASTER CA');
    expect(pinnedClusterCa({ TSMESOS_DATA_DIR: dir })?.pem).toBe('MASTER CA');
    const file = path.join(dir, 'ca.pem');
    fs.writeFileSync(file, 'FILE CA');
    expect(pinnedClusterCa({ TSMESOS_DATA_DIR: dir, TSMESOS_CA_FILE: file })).toEqual({ pem: 'FILE CA', source: file });
    expect(() => pinnedClusterCa({ TSMESOS_CA_FILE: path.join(dir, 'missing.pem') })).toThrow(MasterHttpError);
    expect(() => pinnedClusterCa({ TSMESOS_CA_FILE: path.join(dir, 'missing.pem') })).toThrow(/cannot read TSMESOS_CA_FILE .*ENOENT/);
  });

  it('the credential of read commands: TSMESOS_TOKEN, else the data dir\'s admin credential, else none', () => {
    const dir = tempDir();
    expect(cliBearer({ TSMESOS_DATA_DIR: dir })).toBeUndefined();
    fs.mkdirSync(path.join(dir, 'master', 'tls'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'master', 'tls', 'admin.json'), JSON.stringify({ token: 'from-file', master: '127.0.0.1:5050' }));
    expect(cliBearer({ TSMESOS_DATA_DIR: dir })).toBe('from-file');
    expect(cliBearer({ TSMESOS_DATA_DIR: dir, TSMESOS_TOKEN: 'from-env' })).toBe('from-env');
    fs.writeFileSync(path.join(dir, 'master', 'tls', 'admin.json'), '{not json');
    expect(cliBearer({ TSMESOS_DATA_DIR: dir })).toBeUndefined();
  });
});
