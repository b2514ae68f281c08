// The shell: sign-in when signed out; otherwise a skip link, the navigation (pages the role may read), who is signed
// in, and the current page. An ended session (any 401) brings the sign-in page back, returning to where the user was.
import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../contracts/console';
import { onSignedOut } from './api';
import { ErrorMessage, Loading } from './components/Feedback';
import { AuditPage } from './pages/AuditPage';
import { CohortPage } from './pages/CohortPage';
import { IntakePage } from './pages/IntakePage';
import { ModelsPage } from './pages/ModelsPage';
import { PatientPage } from './pages/PatientPage';
import { SignInPage } from './pages/SignInPage';
import { Link, navigate, useRoute, type Route } from './router';
import { SESSION_KEY, SessionProvider, useSessionQuery, useSignOut } from './session';

const NAV: { page: Route['page']; href: string; label: string; needs: Permission }[] = [
  { page: 'cohort', href: '/cohort', label: 'Cohort', needs: 'studies.read' },
  { page: 'intake', href: '/intake', label: 'PACS review', needs: 'studies.read' },
  { page: 'models', href: '/models', label: 'Models', needs: 'models.read' },
  { page: 'audit', href: '/audit', label: 'Audit', needs: 'audit.read' },
];

export function App() {
  const route = useRoute();
  const session = useSessionQuery();
  const client = useQueryClient();

  useEffect(
    () =>
      onSignedOut(() => {
        client.setQueryData(SESSION_KEY, null);
      }),
    [client],
  );

  // Signed out on any page but sign-in: go to sign-in, then come back.
  const signedOut = session.data === null;
  useEffect(() => {
    if (signedOut && route.page !== 'sign-in') {
      const here = `${window.location.pathname}${window.location.search}`;
      navigate(`/sign-in?next=${encodeURIComponent(here)}`, { replace: true });
    } else if (session.data && route.page === 'sign-in') navigate(safeNext(route.next), { replace: true });
  }, [signedOut, session.data, route]);

  if (session.isPending) return <Loading what="the console" />;
  if (session.isError)
    return (
      <main id="main">
        <h1>osteoflow console</h1>
        <ErrorMessage error={session.error} title="The console could not read your session" />
      </main>
    );
  if (!session.data || route.page === 'sign-in') return <SignInPage next={route.page === 'sign-in' ? route.next : '/'} />;
  return (
    <SessionProvider session={session.data}>
      <Shell route={route} />
    </SessionProvider>
  );
}

/** Only a path of this console (never another origin) is a place to return to. */
function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

function Shell({ route }: { route: Route }) {
  const session = useSessionQuery().data!;
  const signOut = useSignOut();
  const mainRef = useRef<HTMLElement>(null);

  // On a page change, focus goes to the new page's heading (as a reload would start at the top).
  const key = JSON.stringify(route);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [key]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">osteoflow console</span>
        <nav aria-label="Console">
          <ul>
            {NAV.filter((item) => session.permissions.includes(item.needs)).map((item) => (
              <li key={item.page}>
                <Link href={item.href} aria-current={route.page === item.page || (item.page === 'cohort' && route.page === 'patient') ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            Signed in as <strong>{session.username}</strong> ({session.roles.join(', ')})
          </span>
          <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'cohort':
      return <CohortPage study={route.study} state={route.state} />;
    case 'patient':
      return <PatientPage study={route.study} patient={route.patient} />;
    case 'intake':
      return <IntakePage />;
    case 'models':
      return <ModelsPage />;
    case 'audit':
      return <AuditPage />;
    case 'sign-in':
      return null;
    case 'not-found':
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link href="/cohort">Go to the cohort</Link>.
          </p>
        </>
      );
  }
}
