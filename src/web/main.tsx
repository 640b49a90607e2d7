// The portal (docs/portal.md): a client of /api/v1 in the browser, bundled by scripts/build.mjs
// at install time. It holds no rule of its own about who may do what: it shows what the API
// answers, and hides a button only where the API would refuse it anyway.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, get, levelOf, post, useCsrfToken } from './api-client.js';
import type { Session } from './api-client.js';
import { Failure, Loading } from './common.js';
import { CustomerView } from './customer-view.js';
import { LoginView } from './login-view.js';
import { AuditView, CustomersView, WindowsView } from './overview-views.js';
import { ReleaseView } from './release-view.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

type State =
  | { kind: 'loading' }
  | { kind: 'out'; oidc: boolean }
  | { kind: 'in'; session: Session }
  | { kind: 'error'; error: Error };

function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  const path = useHash();
  useEffect(() => {
    get<Session>('/auth/session').then(
      (session) => {
        useCsrfToken(session.csrfToken);
        setState({ kind: 'in', session });
      },
      async (err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401))
          return setState({ kind: 'error', error: err as Error });
        const config = await get<{ oidc: boolean }>('/auth/config');
        setState({ kind: 'out', oidc: config.oidc });
      },
    );
  }, [round]);
  switch (state.kind) {
    case 'loading':
      return <Loading what="your session" />;
    case 'error':
      return <Failure error={state.error} />;
    case 'out':
      return (
        <LoginView
          oidc={state.oidc}
          failed={path.includes('failed=')}
          onLogin={() => {
            location.hash = '/';
            setRound((r) => r + 1);
          }}
        />
      );
    case 'in':
      return <Shell session={state.session} path={path} onLogout={() => setRound((r) => r + 1)} />;
  }
}

function Shell(props: { session: Session; path: string; onLogout: () => void }) {
  const { session, path } = props;
  const level = levelOf(session);
  const logout = async () => {
    await post('/auth/logout');
    props.onLogout();
  };
  const home = level.level === 'customer' ? `/customers/${level.scope!.split('/')[4]}` : '/customers';
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header>
        <nav aria-label="Portal">
          <a href={`#${home}`} className="brand">
            Aare
          </a>
          <ul>
            {level.level === 'provider' || level.level === 'reseller' ? (
              <li>
                <a href="#/customers">Customers</a>
              </li>
            ) : null}
            <li>
              <a href="#/windows">Maintenance calendar</a>
            </li>
            {session.grants.some((g) => g.actions.includes('audit.read')) ? (
              <li>
                <a href="#/audit">Audit log</a>
              </li>
            ) : null}
          </ul>
        </nav>
        <div className="who">
          <span>{session.user}</span>
          <button type="button" className="secondary" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" key={path}>
        <Route session={session} path={path === '/' ? home : path} level={level.level} />
      </main>
    </>
  );
}

function Route(props: { session: Session; path: string; level: string }) {
  const parts = props.path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'customers' && parts[1] && parts[2] === 'releases' && parts[3])
    return <ReleaseView session={props.session} customer={parts[1]} release={parts[3]} />;
  if (parts[0] === 'customers' && parts[1]) return <CustomerView customer={parts[1]} />;
  if (parts[0] === 'customers')
    return <CustomersView title={props.level === 'provider' ? 'All customers' : 'Your customers'} />;
  if (parts[0] === 'windows') return <WindowsView />;
  if (parts[0] === 'audit') return <AuditView />;
  return <p role="alert">No such page.</p>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
