import type Database from 'better-sqlite3';
import type { ReplicatedModule } from './replicated-module.js';

// One module for the cluster's security state: the CA (certificate and key, so any master can
// sign) and the join tokens (hashed secrets only). The CA key travels in the Raft log and
// snapshots like every registry row: the registry directory is 0700 on every master.

export interface ClusterCaRecord {
  certPem: string;
  keyPem: string;
  createdAt: number;
}

export interface JoinTokenRow {
  id: string;
  secretHash: string;
  role: 'agent' | 'master';
  createdAt: number;
  expiresAt: number;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

export type SecurityCommand =
  /** The first CA proposed wins; later proposals (another master bootstrapping concurrently) are ignored. */
  | { type: 'SET_CLUSTER_CA'; certPem: string; keyPem: string; at: number }
  | { type: 'CREATE_JOIN_TOKEN'; token: Omit<JoinTokenRow, 'uses' | 'revokedAt'> }
  /** Counts one use, only while the token is usable at `at` (so two racing joins cannot overdraw it). */
  | { type: 'USE_JOIN_TOKEN'; id: string; at: number }
  | { type: 'REVOKE_JOIN_TOKEN'; id: string; at: number }
  /** Adds a principal, or replaces its secret. */
  | { type: 'SET_PRINCIPAL'; name: string; secretHash: string; at: number }
  | { type: 'REMOVE_PRINCIPAL'; name: string };

export interface PrincipalRow {
  name: string;
  /** `scrypt$<salt b64url>$<hash b64url>`: never the secret. */
  secretHash: string;
  createdAt: number;
}

interface TokenSqlRow {
  id: string; secret_hash: string; role: string; created_at: number; expires_at: number;
  max_uses: number | null; uses: number; revoked_at: number | null;
}

const fromRow = (r: TokenSqlRow): JoinTokenRow => ({
  id: r.id, secretHash: r.secret_hash, role: r.role === 'master' ? 'master' : 'agent', createdAt: r.created_at, expiresAt: r.expires_at,
  maxUses: r.max_uses, uses: r.uses, revokedAt: r.revoked_at,
});

export const securityTable = {
  clusterCa(db: Database.Database): ClusterCaRecord | undefined {
    const r = db.prepare('SELECT cert, key, created_at FROM cluster_ca WHERE id = 1').get() as { cert: string; key: string; created_at: number } | undefined;
    return r && { certPem: r.cert, keyPem: r.key, createdAt: r.created_at };
  },
  joinToken(db: Database.Database, id: string): JoinTokenRow | undefined {
    const r = db.prepare('SELECT * FROM join_tokens WHERE id = ?').get(id) as TokenSqlRow | undefined;
    return r && fromRow(r);
  },
  principal(db: Database.Database, name: string): PrincipalRow | undefined {
    const r = db.prepare('SELECT name, secret_hash, created_at FROM principals WHERE name = ?').get(name) as { name: string; secret_hash: string; created_at: number } | undefined;
    return r && { name: r.name, secretHash: r.secret_hash, createdAt: r.created_at };
  },
  principals(db: Database.Database): PrincipalRow[] {
    return (db.prepare('SELECT name, secret_hash, created_at FROM principals ORDER BY name').all() as { name: string; secret_hash: string; created_at: number }[])
      .map((r) => ({ name: r.name, secretHash: r.secret_hash, createdAt: r.created_at }));
  },
  joinTokens(db: Database.Database): JoinTokenRow[] {
    return (db.prepare('SELECT * FROM join_tokens ORDER BY created_at, id').all() as TokenSqlRow[]).map(fromRow);
  },
};

export const securityModule: ReplicatedModule<SecurityCommand> = {
  name: 'security',
  apply: {
    SET_CLUSTER_CA: (db, cmd) => {
      db.prepare('INSERT OR IGNORE INTO cluster_ca (id, cert, key, created_at) VALUES (1, ?, ?, ?)').run(cmd.certPem, cmd.keyPem, cmd.at);
    },
    CREATE_JOIN_TOKEN: (db, { token: t }) => {
      db.prepare('INSERT OR IGNORE INTO join_tokens (id, secret_hash, role, created_at, expires_at, max_uses, uses, revoked_at) VALUES (?, ?, ?, ?, ?, ?, 0, NULL)')
        .run(t.id, t.secretHash, t.role, t.createdAt, t.expiresAt, t.maxUses);
    },
    USE_JOIN_TOKEN: (db, cmd) => {
      db.prepare('UPDATE join_tokens SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)').run(cmd.id, cmd.at);
    },
    REVOKE_JOIN_TOKEN: (db, cmd) => {
      db.prepare('UPDATE join_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(cmd.at, cmd.id);
    },
    SET_PRINCIPAL: (db, cmd) => {
      db.prepare('INSERT INTO principals (name, secret_hash, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET secret_hash = excluded.secret_hash')
        .run(cmd.name, cmd.secretHash, cmd.at);
    },
    REMOVE_PRINCIPAL: (db, cmd) => {
      db.prepare('DELETE FROM principals WHERE name = ?').run(cmd.name);
    },
  },
  tables: [{ name: 'cluster_ca' }, { name: 'join_tokens' }, { name: 'principals' }],
};
