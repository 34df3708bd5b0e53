// ACLs in the Mesos local authorizer's model (docs/authorization.md): per action, rules of a
// subject (principals) and an object (roles, users, framework principals), each an entity
// {"values": [...]} or {"type": "ANY" | "NONE"}. The first rule whose subject and object match
// the request decides (allowed unless one of its entities is NONE); no matching rule: allowed
// only if `permissive`. Unlike Mesos, `permissive` defaults to false: once ACLs exist, what they
// do not allow is denied. A request without a principal matches only ANY and NONE subjects. Pure.
import { z } from 'zod';

/** The actions this master enforces, with the name of each one's object. */
export const ACL_ACTIONS = {
  register_frameworks: 'roles',
  teardown_frameworks: 'framework_principals',
  run_tasks: 'users',
} as const;
export type AclAction = keyof typeof ACL_ACTIONS;

const Entity = z.union([
  z.strictObject({ values: z.array(z.string().min(1).max(1024)).min(1).max(1000) }),
  z.strictObject({ type: z.enum(['ANY', 'NONE']) }),
]);
type Entity = z.infer<typeof Entity>;

const rules = <O extends string>(object: O) => z.array(z.strictObject({ principals: Entity, [object]: Entity } as { principals: typeof Entity } & Record<O, typeof Entity>)).max(1000).optional();

const AclsFile = z.strictObject({
  permissive: z.boolean().optional(),
  register_frameworks: rules('roles'),
  teardown_frameworks: rules('framework_principals'),
  run_tasks: rules('users'),
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
    const known = `supported actions: ${Object.keys(ACL_ACTIONS).join(', ')}`;
    throw new BadAclsError(`acls${where ? `.${where}` : ''}: ${issue.message}${issue.code === 'unrecognized_keys' ? ` (${known})` : ''}`.slice(0, 400));
  }
  const out: Acls = { permissive: r.data.permissive ?? false, rules: { register_frameworks: [], teardown_frameworks: [], run_tasks: [] } };
  for (const action of Object.keys(ACL_ACTIONS) as AclAction[]) {
    const list = (r.data[action] ?? []) as Record<string, Entity>[];
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
