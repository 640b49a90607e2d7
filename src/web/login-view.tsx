// The login page (docs/portal.md): the OpenID Connect provider when one is configured, and the
// local password of a user.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, post } from './api-client.js';
import { PageHeading } from './common.js';

export function LoginView(props: { oidc: boolean; failed: boolean; onLogin: () => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(props.failed ? 'The login at the identity provider failed.' : '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await post('/auth/login', { name, password });
      props.onLogin();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401 ? 'The user name or password is wrong.' : String(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <PageHeading>Log in to Aare</PageHeading>
      {props.oidc ? (
        <p>
          <a className="button" href="/auth/oidc/start">
            Log in with your organisation’s account
          </a>
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)}>
        <h2>{props.oidc ? 'Or with a local password' : 'With your password'}</h2>
        <label htmlFor="name">User name</label>
        <input
          id="name"
          autoComplete="username"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <p role="alert" className="error">
          {error}
        </p>
      </form>
    </main>
  );
}
