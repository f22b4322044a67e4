import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './lib/api';

export type Role = 'reader' | 'operator' | 'admin';
export interface Me {
  id: string;
  role: Role;
  runbooks?: string[];
}
const RANK: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };
export const MeContext = createContext<Me>({ id: '', role: 'reader' });
/** Whether the signed-in caller may press what needs `role` (the API checks again anyway). */
export const useCan = (role: Role): boolean => RANK[useContext(MeContext).role] >= RANK[role];

/** The API's problem+json detail, as it came, with its status. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, 'Error', (error as Error).message ?? String(error));
  return (
    <div class="error" role="alert">
      <strong>{e.status ? `${e.status} ${e.title}` : e.title}</strong>
      <span class="detail">{e.detail}</span>
    </div>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status s-${status}`}>{status}</span>;
}

/**
 * Load something; `reload` again; errors kept for ErrorBox. A reload asked for while a load is in
 * flight waits for it and then runs once: a periodic refresh must not restart a slow load over and
 * over (on a busy server the page would never finish loading), and a reload after a change must
 * still read after it.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  useEffect(() => {
    let live = true;
    inFlight.current = true;
    setState((s) => ({ ...s, loading: true }));
    const settle = (next: { data?: T; error?: unknown; loading: boolean }) => {
      if (!live) return;
      inFlight.current = false;
      setState(next);
      if (again.current) {
        again.current = false;
        setTick((t) => t + 1);
      }
    };
    load().then(
      (data) => settle({ data, loading: false }),
      (error) => settle({ error, loading: false }),
    );
    return () => {
      live = false;
      inFlight.current = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => {
    if (inFlight.current) again.current = true;
    else setTick((t) => t + 1);
  }, []);
  return { ...state, reload };
}

/** Run `f` every `ms` while the tab is visible. */
export function useInterval(f: () => void, ms: number | null) {
  const ref = useRef(f);
  ref.current = f;
  useEffect(() => {
    if (ms === null) return;
    const id = setInterval(() => {
      if (!document.hidden) ref.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms]);
}

/**
 * A change the page makes (a create, a delete, a toggle): `run(f)` clears the last error, runs `f`
 * and keeps what it throws for ErrorBox. `run` itself never throws.
 */
export function useAction(): { error: unknown; run: (f: () => Promise<unknown>) => Promise<void> } {
  const [error, setError] = useState<unknown>();
  const run = async (f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError(e);
    }
  };
  return { error, run };
}

/** The "are you sure" of a destructive action, in place: the action named once more, and Cancel. Both close it. */
export function ConfirmChoice({ confirm, onConfirm, onClose }: { confirm: string; onConfirm: () => void; onClose: () => void }) {
  return (
    <span class="confirm">
      <button type="button" class="danger" autoFocus onClick={() => (onClose(), onConfirm())}>
        {confirm}
      </button>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
    </span>
  );
}

/** A destructive button that asks once more in place (no modal, keyboard friendly). */
export function ConfirmButton({
  label,
  confirm,
  onConfirm,
  disabled,
}: {
  label: string;
  confirm: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return <ConfirmChoice confirm={confirm} onConfirm={onConfirm} onClose={() => setAsking(false)} />;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          /* clipboard refused (http, permissions): the text is selectable beside the button */
        }
        setDone(true);
        setTimeout(() => setDone(false), 2000);
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** A secret shown once: the value, a copy button and a warning that it will not be shown again. */
export function ShownOnce({ title, value, onDismiss }: { title: string; value: string; onDismiss: () => void }) {
  return (
    <div class="once" role="status">
      <h3>{title}</h3>
      <p class="warn">Copy it now: it is shown this once and cannot be read back later.</p>
      <div class="once-value">
        <code data-testid="shown-once">{value}</code>
        <CopyButton text={value} />
      </div>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Hookbook`;
  }, [title]);
  return (
    <section class="page">
      <header class="page-head">
        <h1>{title}</h1>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
