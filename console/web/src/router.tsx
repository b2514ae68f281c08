// Client-side routing over the History API: the path names the page, the query its filters. No router package: the
// console has six pages and one parameterised path.
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { page: 'sign-in'; next: string }
  | { page: 'cohort'; study: string | null; state: string | null }
  | { page: 'patient'; study: string; patient: string }
  | { page: 'intake' }
  | { page: 'models' }
  | { page: 'audit' }
  | { page: 'not-found'; path: string };

const listeners = new Set<() => void>();
const notify = (): void => listeners.forEach((listener) => listener());

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const currentHref = (): string => `${window.location.pathname}${window.location.search}`;

/** Goes to `href` (a path with its query) without reloading the page; `replace` keeps the history entry count. */
export function navigate(href: string, { replace = false }: { replace?: boolean } = {}): void {
  if (href === currentHref()) return;
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  notify();
}

export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'cohort')) return { page: 'cohort', study: query.get('study'), state: query.get('state') };
  if (parts.length === 1 && parts[0] === 'sign-in') return { page: 'sign-in', next: query.get('next') ?? '/' };
  if (parts.length === 1 && parts[0] === 'intake') return { page: 'intake' };
  if (parts.length === 1 && parts[0] === 'models') return { page: 'models' };
  if (parts.length === 1 && parts[0] === 'audit') return { page: 'audit' };
  if (parts.length === 3 && parts[0] === 'patients') return { page: 'patient', study: parts[1], patient: parts[2] };
  return { page: 'not-found', path: pathname };
}

export function useRoute(): Route {
  const href = useSyncExternalStore(subscribe, currentHref);
  const url = new URL(href, window.location.origin);
  return parseRoute(url.pathname, url.search);
}

export const patientHref = (study: string, patient: string): string => `/patients/${encodeURIComponent(study)}/${encodeURIComponent(patient)}`;

export function cohortHref(study: string | null, state: string | null): string {
  const query = new URLSearchParams();
  if (study) query.set('study', study);
  if (state) query.set('state', state);
  const text = query.toString();
  return text ? `/cohort?${text}` : '/cohort';
}

/** A real link (it opens in a new tab, it is announced as a link) that navigates in place on a plain click. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (event: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}

/** Sets the document title, which names the page in the browser's history and tabs. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · osteoflow console`;
  }, [title]);
}
