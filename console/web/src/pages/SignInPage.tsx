// Sign-in: user name and password, and the site's identity provider when the server has one; a refusal shows the
// server's message (wrong credentials, too many attempts, or why the identity provider's sign-in was refused).
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SignInMethods } from '../../../../contracts/console';
import { api } from '../api';
import { ErrorMessage } from '../components/Feedback';
import { navigate, usePageTitle } from '../router';
import { useSignIn } from '../session';

export function SignInPage({ next }: { next: string }) {
  usePageTitle('Sign in');
  const signIn = useSignIn();
  const methods = useQuery({ queryKey: ['sign-in-methods'], queryFn: () => api<SignInMethods>('/api/session/methods'), staleTime: Infinity, retry: false });
  // The identity provider's refusal, handed back by the server's callback.
  const [providerError] = useState(() => new URLSearchParams(window.location.search).get('error'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    signIn.mutate(
      { username: username.trim(), password },
      { onSuccess: () => navigate(next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/', { replace: true }) },
    );
  };

  const oidc = methods.data?.oidc;
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to the osteoflow console</h1>
      {providerError ? (
        <div className="error" role="alert">
          <strong>Sign-in refused: </strong>
          {providerError}
        </div>
      ) : null}
      {oidc ? (
        <p className="sign-in-provider">
          <a className="button" href={`${oidc.start}?next=${encodeURIComponent(next)}`}>
            Sign in with {oidc.label}
          </a>
          <span className="or">or with a console password:</span>
        </p>
      ) : null}
      <form onSubmit={submit} aria-describedby={signIn.isError ? 'sign-in-error' : undefined}>
        <div className="field">
          <label htmlFor="username">User name</label>
          <input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <div id="sign-in-error">
          <ErrorMessage error={signIn.error} title="Sign-in refused" />
        </div>
        <button type="submit" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
