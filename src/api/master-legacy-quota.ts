import { Hono, type Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { Resources, parseResourceList } from '../domain/resources.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import { quotaStatus } from '../master/operator-calls.js';
import { decode } from '../wire/codec.js';
import { QuotaRequest } from '../wire/operator.js';
import { readJsonBody } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { withJsonp } from './master-legacy.js';
import { allowedFor, requireAllowed } from './http-auth.js';

const MAX_BODY = 1024 * 1024;

/**
 * Mesos's `/master/quota` (also `/quota`): GET the QuotaStatus (as GET_QUOTA answers it), POST a
 * QuotaRequest to set a role's quota (its guarantee is also its limit, as SET_QUOTA), DELETE
 * `/master/quota/<role>` to remove it. As in Mesos, POST refuses a role that already has quota
 * (UPDATE_QUOTA changes one) and DELETE a role that has none.
 */
export function masterLegacyQuotaApp(leadership: Leadership): Hono {
  const app = new Hono();
  const leader = async (c: Context): Promise<Master | Response> => confirmedLeaderOrRedirect(c, leadership);
  for (const base of ['/master/quota', '/quota']) {
    app.all(base, async (c) => {
      if (c.req.method !== 'GET' && c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', `${base} accepts GET and POST (DELETE ${base}/<role>)`);
      const m = await leader(c);
      if (m instanceof Response) return m;
      if (c.req.method === 'GET') {
        const s = quotaStatus(m.roles.quotas());
        // get_quotas: only the roles this request may see (as GET_QUOTA).
        return withJsonp(c, { infos: s.infos.filter((q) => allowedFor(c, 'get_quotas', q.role)), configs: s.configs.filter((q) => allowedFor(c, 'get_quotas', q.role)) });
      }
      const request = decode(QuotaRequest, await readJsonBody(c, MAX_BODY), 'quota request');
      const role = request.role ?? '';
      if (role === '') throw new TsmesosError('BAD_REQUEST', "Failed to validate set quota request: Expecting 'role' to be present");
      requireAllowed(c, 'update_quotas', role, `set the quota of role '${role.slice(0, 256)}'`);
      if (m.roles.quotas().has(role)) {
        throw new TsmesosError('BAD_REQUEST', `Failed to validate set quota request: Cannot set quota for role '${role}' which already has quota`);
      }
      const guarantee = Resources.of(parseResourceList(request.guarantee, 'guarantee'));
      if (guarantee.isEmpty()) throw new TsmesosError('BAD_REQUEST', 'Failed to validate set quota request: the guarantee is empty');
      await m.roles.updateQuotas([{ role, guarantee, limit: guarantee }]);
      return c.body(null, 200);
    });
    app.all(`${base}/:role{.+}`, async (c) => {
      if (c.req.method !== 'DELETE') throw new TsmesosError('METHOD_NOT_ALLOWED', `${base}/<role> accepts DELETE only`);
      const m = await leader(c);
      if (m instanceof Response) return m;
      const role = c.req.param('role');
      requireAllowed(c, 'update_quotas', role, `remove the quota of role '${role.slice(0, 256)}'`);
      if (!m.roles.quotas().has(role)) throw new TsmesosError('BAD_REQUEST', `Failed to remove quota for path '${base}/${role.slice(0, 256)}': Role '${role.slice(0, 256)}' has no quota set`);
      await m.roles.updateQuotas([{ role, guarantee: Resources.empty(), limit: null }]);
      return c.body(null, 200);
    });
  }
  return app;
}
