import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useSignIn } from '../api/queries.ts';
import { Logo } from '../components/logo.tsx';

export function SignInPage() {
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password });
  };
  const error = signIn.error;
  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <Logo />
        <h1 id="sign-in-title">Sign in to your usage dashboard</h1>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
            // biome-ignore lint/a11y/noAutofocus: the only thing to do on this page is to sign in
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </div>
        {error ? (
          <p className="form-error" role="alert" data-testid="sign-in-error">
            {error instanceof ApiError ? error.message : 'Signing in failed.'}
          </p>
        ) : null}
        <button type="submit" className="button button-primary button-wide" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="form-hint">
          Trying Tally? <code>npm start</code> prints the demo user's email and password.
        </p>
      </form>
    </main>
  );
}
