import type Database from 'better-sqlite3';
import type { ReplicatedModule } from './replicated-module.js';

// One module for the role tables: weights and quotas. Resources are kept in the Mesos text
// syntax (`cpus:4;mem:1024`), the form operators write them in.

export interface RoleQuotaRecord {
  role: string;
  guarantee: string;
  /** null: no limit. */
  limit: string | null;
}

export type RolesCommand =
  /** Sets these roles' weights; weight 1 removes the row (1 is the default). */
  | { type: 'UPDATE_WEIGHTS'; weights: { role: string; weight: number }[] }
  /** Sets these roles' quotas; an empty guarantee with no limit removes the quota. */
  | { type: 'UPDATE_QUOTAS'; quotas: RoleQuotaRecord[] };

export const rolesTable = {
  weights(db: Database.Database): Map<string, number> {
    const rows = db.prepare('SELECT role, weight FROM role_weights ORDER BY role').all() as { role: string; weight: number }[];
    return new Map(rows.map((r) => [r.role, r.weight]));
  },
  quotas(db: Database.Database): RoleQuotaRecord[] {
    const rows = db.prepare('SELECT role, guarantee, quota_limit FROM role_quotas ORDER BY role').all() as { role: string; guarantee: string; quota_limit: string | null }[];
    return rows.map((r) => ({ role: r.role, guarantee: r.guarantee, limit: r.quota_limit }));
  },
};

export const rolesModule: ReplicatedModule<RolesCommand> = {
  name: 'roles',
  apply: {
    UPDATE_WEIGHTS: (db, cmd) => {
      for (const { role, weight } of cmd.weights) {
        if (weight === 1) db.prepare('DELETE FROM role_weights WHERE role = ?').run(role);
        else db.prepare('INSERT INTO role_weights (role, weight) VALUES (?, ?) ON CONFLICT(role) DO UPDATE SET weight=excluded.weight').run(role, weight);
      }
    },
    UPDATE_QUOTAS: (db, cmd) => {
      for (const q of cmd.quotas) {
        if (q.guarantee === '' && q.limit === null) db.prepare('DELETE FROM role_quotas WHERE role = ?').run(q.role);
        else {
          db.prepare('INSERT INTO role_quotas (role, guarantee, quota_limit) VALUES (?, ?, ?) ON CONFLICT(role) DO UPDATE SET guarantee=excluded.guarantee, quota_limit=excluded.quota_limit')
            .run(q.role, q.guarantee, q.limit);
        }
      }
    },
  },
  tables: [{ name: 'role_weights' }, { name: 'role_quotas' }],
};
