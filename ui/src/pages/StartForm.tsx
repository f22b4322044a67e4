import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api';
import { navigate } from '../lib/router';
import { ErrorBox } from '../components';
import type { RunbookParameter } from './Runbooks';

const show = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** The value to send for one field, or undefined to leave it out (the runbook's default applies). */
export function fieldValue(p: RunbookParameter, raw: string | boolean): unknown {
  if (p.type === 'bool') return raw === true;
  const text = String(raw);
  if (text === '') return undefined;
  switch (p.type) {
    case 'int': {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new ApiError(0, 'Invalid value', `Parameter '${p.name}' must be a whole number.`);
      return n;
    }
    case 'datetime':
      return new Date(text).toISOString();
    case 'object':
    case 'array':
      try {
        return JSON.parse(text);
      } catch {
        throw new ApiError(0, 'Invalid value', `Parameter '${p.name}' must be JSON (${p.type === 'array' ? '[…]' : '{…}'}).`);
      }
    default:
      return text;
  }
}

export type ParameterValues = Record<string, string | boolean>;

/** The fields' first values: defaults filled in, secret ones left empty (never put back into a form). */
export const initialValues = (parameters: RunbookParameter[]): ParameterValues =>
  Object.fromEntries(parameters.map((p) => [p.name, p.type === 'bool' ? p.default === true : p.secret ? '' : show(p.default)]));

/** The parameters to send, typed; a field left empty is left out (the runbook's default applies). */
export function collectParameters(parameters: RunbookParameter[], values: ParameterValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const p of parameters) {
    const v = fieldValue(p, values[p.name] ?? '');
    if (v !== undefined && !(p.type === 'bool' && v === false && p.default === undefined && !p.mandatory)) params[p.name] = v;
  }
  return params;
}

/**
 * The fields generated from a runbook's declared parameters (types, mandatory `*`, secret ones
 * masked): the runbook's Start form and the New schedule form use the same ones.
 */
export function ParameterFields({
  parameters,
  values,
  onChange,
}: {
  parameters: RunbookParameter[];
  values: ParameterValues;
  onChange: (values: ParameterValues) => void;
}) {
  return (
    <>
      {parameters.length === 0 && <p class="muted">This runbook takes no parameters.</p>}
      {parameters.map((p) => {
        const id = `param-${p.name}`;
        const set = (v: string | boolean) => onChange({ ...values, [p.name]: v });
        const label = (
          <span>
            {p.name}
            {p.mandatory && (
              <span class="req" title="mandatory">
                {' '}
                *
              </span>
            )}{' '}
            <span class="muted small">
              {p.type}
              {p.secret ? ', secret' : ''}
            </span>
          </span>
        );
        if (p.type === 'bool') {
          return (
            <label class="check" for={id}>
              <input
                id={id}
                name={p.name}
                type="checkbox"
                checked={values[p.name] === true}
                onChange={(e) => set(e.currentTarget.checked)}
              />{' '}
              {label}
            </label>
          );
        }
        return (
          <label for={id}>
            {label}
            {p.type === 'object' || p.type === 'array' ? (
              <textarea
                id={id}
                name={p.name}
                rows={3}
                required={p.mandatory}
                value={String(values[p.name] ?? '')}
                onInput={(e) => set(e.currentTarget.value)}
                placeholder={p.type === 'array' ? '[ ]' : '{ }'}
              />
            ) : (
              <input
                id={id}
                name={p.name}
                type={p.secret ? 'password' : p.type === 'int' ? 'number' : p.type === 'datetime' ? 'datetime-local' : 'text'}
                autoComplete={p.secret ? 'new-password' : 'off'}
                required={p.mandatory}
                step={p.type === 'int' ? 1 : undefined}
                value={String(values[p.name] ?? '')}
                placeholder={p.secret && p.default !== undefined ? '(default)' : ''}
                onInput={(e) => set(e.currentTarget.value)}
              />
            )}
            {p.description && <span class="hint">{p.description}</span>}
          </label>
        );
      })}
    </>
  );
}

/** A form generated from the runbook's declared parameters; Start opens the new job live. */
export function StartForm({ runbook, parameters }: { runbook: string; parameters: RunbookParameter[] }) {
  const [values, setValues] = useState<ParameterValues>(() => initialValues(parameters));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const r = await api<{ jobId: string }>('POST', '/api/v1/jobs', { runbook, parameters: collectParameters(parameters, values) });
      navigate(`/jobs/${r.jobId}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit} aria-label="Start">
      <ErrorBox error={error} />
      <ParameterFields parameters={parameters} values={values} onChange={setValues} />
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start'}
        </button>
      </div>
    </form>
  );
}
