// Who is signed in: the session (GET /api/session), sign-in and sign-out, and the permission checks the pages use to
// hide or explain the controls a role lacks (the server enforces the same permissions; these only inform).
import { createContext, useContext, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { LoginRequest, Permission, SessionInfo } from '../../../contracts/console';
import { api, ApiError, setCsrfToken } from './api';

export const SESSION_KEY = ['session'] as const;

/** The session, or null when signed out (a 401). */
async function readSession(): Promise<SessionInfo | null> {
  try {
    const session = await api<SessionInfo>('/api/session');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export function useSessionQuery() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: readSession, staleTime: 60_000, retry: false });
}

/**
 * Drops every cached answer but the session (another user's, or a signed-out one, must never show), then sets the
 * session. The session's own query stays in the cache, so the shell's observer of it sees the change at once.
 */
function startOver(client: QueryClient, session: SessionInfo | null): void {
  setCsrfToken(session?.csrfToken);
  client.setQueryData(SESSION_KEY, session);
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (login: LoginRequest) => api<SessionInfo>('/api/session', { method: 'POST', body: login }),
    onSuccess: (session) => startOver(client, session),
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/api/session', { method: 'DELETE' }),
    onSettled: () => startOver(client, null),
  });
}

const SessionContext = createContext<SessionInfo | null>(null);

export function SessionProvider({ session, children }: { session: SessionInfo; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The signed-in user (inside the signed-in shell only). */
export function useSession(): SessionInfo {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in console');
  return session;
}

export function useCan(permission: Permission): boolean {
  return useSession().permissions.includes(permission);
}

/** Why a control is unavailable to this user, in words (shown next to a disabled control). */
export function lacking(session: SessionInfo, permission: Permission): string | null {
  if (session.permissions.includes(permission)) return null;
  return `Your role${session.roles.length === 1 ? '' : 's'} (${session.roles.join(', ') || 'none'}) lack${session.roles.length === 1 ? 's' : ''} the permission ${permission}.`;
}
