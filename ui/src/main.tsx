import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { ApiError, get, setCredential, setOnUnauthorized } from './lib/api';
import { clearCredential, completeEntraSignIn, loadCredential, type Credential } from './lib/auth';
import type { EntraConfig } from './lib/pkce';
import { useRoute } from './lib/router';
import { ErrorBox, MeContext, type Me } from './components';
import { SignIn } from './pages/SignIn';
import { Home } from './pages/Home';
import { Jobs } from './pages/Jobs';
import { JobPage } from './pages/Job';
import { Runbooks } from './pages/Runbooks';
import { RunbookPage } from './pages/Runbook';
import { Webhooks } from './pages/Webhooks';
import { Schedules } from './pages/Schedules';
import { Keys } from './pages/Keys';
import type { KindPath } from './lib/assets';

type Operations = typeof import('./pages/operations');
type Integrations = typeof import('./pages/integrations');
/** A page from a chunk loaded the first time one of its pages is opened. */
function Chunk<M>({ load, render }: { load: () => Promise<M>; render: (m: M) => preact.JSX.Element }) {
  const [mod, setMod] = useState<M>();
  const [error, setError] = useState<unknown>();
  useEffect(() => void load().then(setMod, setError), []);
  if (error) return <ErrorBox error={error} />;
  return mod ? render(mod) : <p class="muted">Loading…</p>;
}
/** The assets and workers pages. */
const Later = ({ render }: { render: (m: Operations) => preact.JSX.Element }) => (
  <Chunk load={() => import('./pages/operations')} render={render} />
);
/** The notifications, audit and source control pages. */
const Integ = ({ render }: { render: (m: Integrations) => preact.JSX.Element }) => (
  <Chunk load={() => import('./pages/integrations')} render={render} />
);

type Theme = 'auto' | 'light' | 'dark';
// The theme is a preference, not a secret: localStorage is fine for it (never for the key).
const loadTheme = (): Theme => (localStorage.getItem('hookbook.theme') as Theme) || 'auto';
const applyTheme = (t: Theme) => {
  if (t === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
};

function App() {
  const route = useRoute();
  const [config, setConfig] = useState<{ entra: EntraConfig | null }>();
  const [cred, setCred] = useState<Credential | undefined>(() => loadCredential());
  const [me, setMe] = useState<Me>();
  const [error, setError] = useState<unknown>();
  const [theme, setTheme] = useState<Theme>(loadTheme);

  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    setOnUnauthorized(() => {
      clearCredential();
      setCred(undefined);
      setMe(undefined);
    });
    get<{ entra: EntraConfig | null }>('/ui/config.json')
      .then(async (c) => {
        setConfig(c);
        const signedIn = await completeEntraSignIn(c.entra);
        if (signedIn) setCred(signedIn);
      })
      .catch((e) => setError(e));
  }, []);
  useEffect(() => {
    setCredential(cred);
    setMe(undefined);
    if (!cred) return;
    get<Me>('/api/v1/me').then(setMe, (e) => {
      setError(e);
      if (e instanceof ApiError && e.status === 401) {
        clearCredential();
        setCred(undefined);
      }
    });
  }, [cred]);

  if (!cred || !me) {
    return (
      <main class="signin-wrap">
        {cred && !error ? (
          <p class="muted">Signing in…</p>
        ) : (
          <SignIn entra={config?.entra ?? null} error={error} onSignedIn={(c) => (setError(undefined), setCred(c))} />
        )}
      </main>
    );
  }

  const [first = '', second, third] = route.parts;
  let page;
  if (first === '' || first === 'home') page = <Home />;
  else if (first === 'jobs' && second) page = <JobPage jobId={second} />;
  else if (first === 'jobs') page = <Jobs query={route.query} />;
  else if (first === 'runbooks' && second) page = <RunbookPage name={second} />;
  else if (first === 'runbooks') page = <Runbooks query={route.query} />;
  else if (first === 'webhooks') page = <Webhooks />;
  else if (first === 'schedules') page = <Schedules />;
  else if (first === 'keys') page = <Keys />;
  else if (first === 'assets' && ['variables', 'credentials', 'connections'].includes(second ?? 'variables')) {
    const kind = (second ?? 'variables') as KindPath;
    page = <Later render={(m) => (third ? <m.AssetPage kind={kind} name={third} /> : <m.Assets kind={kind} />)} />;
  } else if (first === 'workers') page = <Later render={(m) => <m.Workers />} />;
  else if (first === 'notifications' && second) page = <Integ render={(m) => <m.NotificationTargetPage name={second} />} />;
  else if (first === 'notifications') page = <Integ render={(m) => <m.NotificationTargets />} />;
  else if (first === 'audit') page = <Integ render={(m) => <m.Audit query={route.query} />} />;
  else if (first === 'source-controls' && second) page = <Integ render={(m) => <m.SourceControlPage name={second} />} />;
  else if (first === 'source-controls') page = <Integ render={(m) => <m.SourceControls />} />;
  else page = <ErrorBox error={new ApiError(404, 'Not Found', `There is no page '${route.parts.join('/')}' here.`)} />;

  const nav = [
    ['', 'Home'],
    ['jobs', 'Jobs'],
    ['runbooks', 'Runbooks'],
    ...(me.role === 'admin' ? [['webhooks', 'Webhooks']] : []),
    ['schedules', 'Schedules'],
    ['assets', 'Assets'],
    ['workers', 'Workers'],
    ['source-controls', 'Git'],
    ...(me.role === 'admin'
      ? [
          ['notifications', 'Notifications'],
          ['keys', 'API keys'],
          ['audit', 'Audit'],
        ]
      : []),
  ];
  return (
    <MeContext.Provider value={me}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Hookbook
        </a>
        <nav aria-label="Main">
          {nav.map(([p, label]) => (
            <a href={`#/${p}`} aria-current={first === p || (p === '' && first === 'home') ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span title="signed in as" data-testid="whoami">
            {me.id} · <b>{me.role}</b>
          </span>
          <label class="theme">
            <span class="sr">Theme</span>
            <select
              value={theme}
              onChange={(e) => (localStorage.setItem('hookbook.theme', e.currentTarget.value), setTheme(e.currentTarget.value as Theme))}
            >
              <option value="auto">Auto</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <button type="button" onClick={() => (clearCredential(), setCred(undefined))}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </MeContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
