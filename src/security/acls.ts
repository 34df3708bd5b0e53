// ACLs in the Mesos local authorizer's model (docs/authorization.md): per action, rules of a
// subject (principals) and an object (roles, users, framework principals), each an entity
// {"values": [...]} or {"type": "ANY" | "NONE"}. The first rule whose subject and object match
// the request decides (allowed unless one of its entities is NONE); no matching rule: allowed
// only if `permissive`. Unlike Mesos, `permissive` defaults to false: once ACLs exist, what they
// do not allow is denied. A request without a principal matches only ANY and NONE subjects. Pure.
import { z } from 'zod';

/** The actions this master enforces, with the name of each one's object (Mesos acls.proto). */
export const ACL_ACTIONS = {
  register_frameworks: 'roles',
  teardown_frameworks: 'framework_principals',
  run_tasks: 'users',
  reserve_resources: 'roles',
  unreserve_resources: 'reserver_principals',
  get_quotas: 'roles',
  update_quotas: 'roles',
  update_weights: 'roles',
  view_roles: 'roles',
  view_frameworks: 'users',
  view_tasks: 'users',
  view_flags: 'flags',
  get_endpoints: 'paths',
  update_maintenance_schedules: 'machines',
  get_maintenance_schedules: 'machines',
  start_maintenances: 'machines',
  stop_maintenances: 'machines',
  get_maintenance_statuses: 'machines',
  drain_agents: 'agents',
  deactivate_agents: 'agents',
  reactivate_agents: 'agents',
  mark_agents_gone: 'agents',
  // Mesos ACL.SetLogLevel: its object is the level, ANY or NONE.
  set_log_level: 'level',
} as const;
export type AclAction = keyof typeof ACL_ACTIONS;
const ACTIONS = Object.keys(ACL_ACTIONS) as AclAction[];

const Entity = z.union([
  z.strictObject({ values: z.array(z.string().min(1).max(1024)).min(1).max(1000) }),
  z.strictObject({ type: z.enum(['ANY', 'NONE']) }),
]);
type Entity = z.infer<typeof Entity>;

const rules = (object: string) => z.array(z.strictObject({ principals: Entity, [object]: Entity })).max(1000).optional();

const AclsFile = z.strictObject({
  permissive: z.boolean().optional(),
  ...Object.fromEntries(ACTIONS.map((a) => [a, rules(ACL_ACTIONS[a])])),
});

interface Rule { subject: Entity; object: Entity }

export interface Acls {
  permissive: boolean;
  rules: Record<AclAction, Rule[]>;
}

/** Thrown for an ACL document that is not valid: the message names the field. */
export class BadAclsError extends Error {}

export function parseAcls(json: unknown): Acls {
  const r = AclsFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.map(String).join('.');
    const known = `supported actions: ${ACTIONS.join(', ')}`;
    throw new BadAclsError(`acls${where ? `.${where}` : ''}: ${issue.message}${issue.code === 'unrecognized_keys' ? ` (${known})` : ''}`.slice(0, 1000));
  }
  const data = r.data as Record<string, unknown>;
  const out: Acls = { permissive: (data['permissive'] as boolean | undefined) ?? false, rules: Object.fromEntries(ACTIONS.map((a) => [a, []])) as unknown as Record<AclAction, Rule[]> };
  for (const action of ACTIONS) {
    const list = (data[action] ?? []) as Record<string, Entity>[];
    out.rules[action] = list.map((rule) => ({ subject: rule['principals']!, object: rule[ACL_ACTIONS[action]]! }));
  }
  return out;
}

const matches = (e: Entity, value: string | undefined): boolean => ('type' in e ? true : value !== undefined && e.values.includes(value));
const allows = (e: Entity): boolean => !('type' in e && e.type === 'NONE');

/** May `principal` (undefined: unauthenticated) do `action` on `object`? */
export function isAllowed(acls: Acls, action: AclAction, principal: string | undefined, object: string | undefined): boolean {
  for (const rule of acls.rules[action]) {
    if (matches(rule.subject, principal) && matches(rule.object, object)) return allows(rule.subject) && allows(rule.object);
  }
  return acls.permissive;
}
