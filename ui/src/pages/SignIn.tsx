import { useState } from 'preact/hooks';
import { ApiError, setCredential } from '../lib/api';
import { beginEntraSignIn, saveCredential, type Credential } from '../lib/auth';
import type { EntraConfig } from '../lib/pkce';
import { ErrorBox } from '../components';

export function SignIn({ entra, error, onSignedIn }: { entra: EntraConfig | null; error?: unknown; onSignedIn: (c: Credential) => void }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = key.trim();
    if (!/^[^:\s]+:\S+$/.test(value)) {
      setProblem(new ApiError(0, 'Not an API key', 'An API key looks like keyId:secret (the "key" field shown when it was created).'));
      return;
    }
    setBusy(true);
    const c: Credential = { kind: 'key', value };
    setCredential(c);
    const res = await fetch('/api/v1/me', { credentials: 'omit', headers: { Authorization: `Bearer ${value}` } }).catch(() => undefined);
    setBusy(false);
    if (!res) return setProblem(new ApiError(0, 'Network error', 'The service could not be reached.'));
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as { title?: string; detail?: string };
      return setProblem(new ApiError(res.status, p.title ?? res.statusText, p.detail ?? 'Sign-in failed.'));
    }
    saveCredential(c);
    onSignedIn(c);
  };

  return (
    <div class="signin card">
      <h1>Hookbook</h1>
      <p class="muted">Runbook automation: jobs, runbooks, webhooks and schedules.</p>
      <ErrorBox error={problem ?? error} />
      <form onSubmit={submit}>
        <label for="apikey">API key</label>
        <input
          id="apikey"
          name="apikey"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="keyId:secret"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          autoFocus
        />
        <p class="hint">
          Held in this browser tab only (session storage), never in a link. Locally, it is <code>HOOKBOOK_BOOTSTRAP_KEY</code> (
          <code>keyId:secret</code>) in local.settings.json; <code>npm start</code> says where it comes from.
        </p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {entra && (
        <>
          <div class="or">or</div>
          <button type="button" onClick={() => beginEntraSignIn(entra).catch(setProblem)}>
            Sign in with Microsoft Entra ID
          </button>
        </>
      )}
    </div>
  );
}
