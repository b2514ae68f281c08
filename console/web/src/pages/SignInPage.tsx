// Sign-in: user name and password; a refusal shows the server's message (wrong credentials, too many attempts).
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/Feedback';
import { navigate, usePageTitle } from '../router';
import { useSignIn } from '../session';

export function SignInPage({ next }: { next: string }) {
  usePageTitle('Sign in');
  const signIn = useSignIn();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    signIn.mutate(
      { username: username.trim(), password },
      { onSuccess: () => navigate(next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/', { replace: true }) },
    );
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to the osteoflow console</h1>
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
