import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TsmesosError } from '../domain/errors.js';
import { isIPv4 } from '../domain/mesos.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import type { Registry } from '../registry/registry.js';
import type { JoinService } from '../security/join-service.js';
import { TOKEN_ROLES } from '../security/join-token.js';
import { tlsSocketOf } from '../lib/http-server.js';
import { CA_PATH, JOIN_PATH, TOKENS_PATH } from '../security/paths.js';
import { readJsonBody } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';

// Cluster membership endpoints (ours; Mesos had none):
//   GET    /tsmesos/v1/ca          the CA certificate, to anyone (a joining node checks its hash against its token)
//   POST   /tsmesos/v1/join        a node presents its token's secret and a CSR, over TLS only; gets its certificate
//   GET    /tsmesos/v1/tokens      list join tokens   (admin credential)
//   POST   /tsmesos/v1/tokens      create one         (admin credential)
//   DELETE /tsmesos/v1/tokens/:id  revoke one         (admin credential)


const MAX_BODY = 64 * 1024;
const MAX_TTL_MS = 365 * 24 * 3600 * 1000;

const JoinBody = z.strictObject({
  token_id: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 hex digits'),
  secret: z.string().min(1).max(200),
  role: z.enum(TOKEN_ROLES),
  csr: z.string().min(1).max(16 * 1024),
  ip: z.string().max(15).refine(isIPv4, 'expected an IPv4 address'),
  port: z.number().int().min(1).max(65535),
});

const CreateTokenBody = z.strictObject({
  role: z.enum(TOKEN_ROLES).default('agent'),
  ttl_ms: z.number().int().min(1000).max(MAX_TTL_MS).default(24 * 3600 * 1000),
  uses: z.number().int().min(1).max(1_000_000).nullable().default(null),
});

function parse<S extends z.ZodType>(schema: S, json: unknown, where: string): z.output<S> {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : '';
  throw new TsmesosError('BAD_REQUEST', `${where}${at}: ${issue.message}`.slice(0, 300));
}

export interface JoinApiDeps {
  leadership: Leadership;
  registry: Registry;
  joins: JoinService;
}

export function joinApp(deps: JoinApiDeps): Hono {
  const app = new Hono();
  const { leadership, registry, joins } = deps;

  const requireAdmin = (c: Context): void => {
    if (!joins.isAdmin(c.req.header('authorization'))) {
      c.header('WWW-Authenticate', 'Bearer realm="tsmesos"');
      throw new TsmesosError('UNAUTHORIZED', 'missing or wrong admin credential (Authorization: Bearer <token>; see TSMESOS_TOKEN)');
    }
  };
  const onLeader = async (c: Context, body: (m: Master) => Promise<Response>): Promise<Response> => {
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    return gated instanceof Response ? gated : body(gated);
  };

  app.get(CA_PATH, (c) => {
    const ca = registry.clusterCa();
    if (!ca) throw new TsmesosError('UNAVAILABLE', 'the cluster CA is not created yet; retry in a moment');
    return c.json({ certificate: ca.certPem });
  });

  app.all(JOIN_PATH, async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'join accepts POST only');
    if (!tlsSocketOf(c.env)) throw new TsmesosError('BAD_REQUEST', 'join requests are accepted over TLS only (the secret must not cross the network in clear)');
    const body = parse(JoinBody, await readJsonBody(c, MAX_BODY), 'join');
    return onLeader(c, async (m) => {
      const r = await joins.join(m.ctx.log, { tokenId: body.token_id, secret: body.secret, role: body.role, csrPem: body.csr, ip: body.ip, port: body.port });
      return c.json({ certificate: r.certPem, ca_certificate: r.caPem });
    });
  });

  app.get(TOKENS_PATH, async (c) => {
    requireAdmin(c);
    return onLeader(c, () => Promise.resolve(c.json({ tokens: joins.listTokens() })));
  });

  app.post(TOKENS_PATH, async (c) => {
    requireAdmin(c);
    const body = parse(CreateTokenBody, await readJsonBody(c, MAX_BODY), 'token');
    return onLeader(c, async (m) => c.json(await joins.createToken(m.ctx.log, { role: body.role, ttlMs: body.ttl_ms, maxUses: body.uses })));
  });

  app.delete(`${TOKENS_PATH}/:id`, async (c) => {
    requireAdmin(c);
    const id = c.req.param('id');
    if (!/^[0-9a-f]{16}$/.test(id)) throw new TsmesosError('BAD_REQUEST', 'a token id is 16 hex digits');
    return onLeader(c, async (m) => c.json(await joins.revokeToken(m.ctx.log, id)));
  });

  return app;
}
