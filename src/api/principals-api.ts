import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import type { Registry } from '../registry/registry.js';
import { ADMIN_PRINCIPAL, MAX_SECRET, MIN_SECRET, PRINCIPAL_NAME, hashPrincipalSecret, principalBearerToken } from '../security/principals.js';
import { PRINCIPALS_PATH } from '../security/paths.js';
import { readJsonBody } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';

// Principals of frameworks and operators (ours; Mesos read them from a --credentials file):
//   GET    /tsmesos/v1/principals         list (names and creation times, never secrets)
//   POST   /tsmesos/v1/principals         {"name", "secret"?} add or replace; answers the secret
//                                         (generated when not given) and its Bearer token, once
//   DELETE /tsmesos/v1/principals/:name   remove
// All with the admin credential (Authorization: Bearer), through the leader.

const MAX_BODY = 16 * 1024;
const NAME_RULE = 'a principal is 1-128 of A-Z a-z 0-9 . _ @ -';

const AddBody = z.strictObject({
  name: z.string().regex(PRINCIPAL_NAME, NAME_RULE).refine((n) => n !== ADMIN_PRINCIPAL, `'${ADMIN_PRINCIPAL}' is the admin credential's principal`),
  secret: z.string().min(MIN_SECRET, `a secret has at least ${MIN_SECRET} characters`).max(MAX_SECRET).refine((s) => !/[\0\r\n]/.test(s), 'a secret has no NUL or line breaks').optional(),
});

export interface PrincipalsApiDeps {
  leadership: Leadership;
  registry: Registry;
  isAdmin: (authorization: string | undefined) => boolean;
  now: () => number;
}

export function principalsApp(deps: PrincipalsApiDeps): Hono {
  const app = new Hono();
  const requireAdmin = (c: Context): void => {
    if (!deps.isAdmin(c.req.header('authorization'))) {
      c.header('WWW-Authenticate', 'Bearer realm="tsmesos"');
      throw new TsmesosError('UNAUTHORIZED', 'missing or wrong admin credential (Authorization: Bearer <token>; see TSMESOS_TOKEN)');
    }
  };
  const onLeader = async (c: Context, body: (m: Master) => Promise<Response>): Promise<Response> => {
    const gated = await confirmedLeaderOrRedirect(c, deps.leadership);
    return gated instanceof Response ? gated : body(gated);
  };

  app.get(PRINCIPALS_PATH, async (c) => {
    requireAdmin(c);
    return onLeader(c, () => Promise.resolve(c.json({ principals: deps.registry.principals().map((p) => ({ name: p.name, createdAt: p.createdAt })) })));
  });

  app.post(PRINCIPALS_PATH, async (c) => {
    requireAdmin(c);
    const parsed = AddBody.safeParse(await readJsonBody(c, MAX_BODY));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new TsmesosError('BAD_REQUEST', `principal${issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : ''}: ${issue.message}`.slice(0, 300));
    }
    const { name } = parsed.data;
    const secret = parsed.data.secret ?? randomBytes(32).toString('base64url');
    return onLeader(c, async (m) => {
      await m.ctx.log.propose({ type: 'SET_PRINCIPAL', name, secretHash: hashPrincipalSecret(secret), at: deps.now() });
      return c.json({ name, secret, bearer: principalBearerToken(name, secret) });
    });
  });

  app.delete(`${PRINCIPALS_PATH}/:name`, async (c) => {
    requireAdmin(c);
    const name = c.req.param('name');
    if (!PRINCIPAL_NAME.test(name)) throw new TsmesosError('BAD_REQUEST', NAME_RULE);
    return onLeader(c, async (m) => {
      if (!deps.registry.principal(name)) throw new TsmesosError('NOT_FOUND', `no principal ${name}`);
      await m.ctx.log.propose({ type: 'REMOVE_PRINCIPAL', name });
      return c.json({ name });
    });
  });
  return app;
}
