// The console's roles and what each may do, in one table: every permission check of the console server reads it.
import { PERMISSIONS, ROLES, type Permission, type Role } from '../contracts/console';

const READ: readonly Permission[] = ['studies.read', 'models.read', 'audit.read'];

/** Role → its permissions. An admin holds every permission; the others hold reading plus their own work. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: READ,
  coordinator: [...READ, 'studies.act'],
  'ml-engineer': [...READ, 'models.train', 'promotions.request'],
  approver: [...READ, 'promotions.decide'],
  admin: PERMISSIONS,
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The union of the roles' permissions, in the order of PERMISSIONS. */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  const held = new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r] ?? []));
  return PERMISSIONS.filter((p) => held.has(p));
}

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => (ROLE_PERMISSIONS[r] ?? []).includes(permission));
}

/**
 * Parses a comma-separated role list (`coordinator,approver`): every name must be a role, at least one given.
 * Throws an Error naming the unknown role and the roles there are.
 */
export function parseRoles(text: string): Role[] {
  const names = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`no role given (expected one or more of ${ROLES.join(', ')}, comma-separated)`);
  for (const name of names) if (!isRole(name)) throw new Error(`unknown role '${name}' (expected one or more of ${ROLES.join(', ')})`);
  return [...new Set(names as Role[])];
}
