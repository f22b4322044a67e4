import type { SecretEntry, VariableType } from '../lib/assets';

/** The assets pages' own inputs: a secret typed twice, a plain value in the input its type calls for. */

export function SecretInput({
  id,
  label,
  entry,
  onChange,
  required,
  keepHint,
}: {
  id: string;
  label: string;
  entry: SecretEntry;
  onChange: (e: SecretEntry) => void;
  required?: boolean;
  keepHint?: boolean;
}) {
  const mismatch = entry.repeat !== '' && entry.value !== entry.repeat;
  return (
    <div class="secret-pair">
      <label for={id}>
        <span>
          {label}
          {required && <span class="req"> *</span>} <span class="muted small">secret</span>
        </span>
        <input
          id={id}
          name={id}
          type="password"
          autoComplete="new-password"
          required={required}
          value={entry.value}
          placeholder={keepHint ? 'leave empty to keep it' : ''}
          onInput={(e) => onChange({ ...entry, value: e.currentTarget.value })}
        />
      </label>
      <label for={`${id}-repeat`}>
        {label} again
        <input
          id={`${id}-repeat`}
          name={`${id}-repeat`}
          type="password"
          autoComplete="new-password"
          required={required || entry.value !== ''}
          value={entry.repeat}
          aria-invalid={mismatch}
          aria-describedby={mismatch ? `${id}-mismatch` : undefined}
          onInput={(e) => onChange({ ...entry, repeat: e.currentTarget.value })}
        />
        {mismatch && (
          <span id={`${id}-mismatch`} class="hint warn-text">
            The two entries differ.
          </span>
        )}
      </label>
    </div>
  );
}

/** A plain variable's value: the input its type calls for. */
export function ValueInput({ type, text, onText, id }: { type: VariableType; text: string; onText: (t: string) => void; id: string }) {
  const label = `Value (${type})`;
  if (type === 'bool')
    return (
      <label for={id}>
        {label}
        <select id={id} name="value" value={text || 'false'} onChange={(e) => onText(e.currentTarget.value)}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      </label>
    );
  if (type === 'object')
    return (
      <label for={id}>
        {label}
        <textarea
          id={id}
          name="value"
          rows={4}
          value={text}
          placeholder='{"key": "value"}'
          onInput={(e) => onText(e.currentTarget.value)}
        />
      </label>
    );
  return (
    <label for={id}>
      {label}
      <input
        id={id}
        name="value"
        value={text}
        inputMode={type === 'int' ? 'numeric' : undefined}
        placeholder={type === 'datetime' ? '2026-01-01T09:00:00Z' : ''}
        spellcheck={false}
        onInput={(e) => onText(e.currentTarget.value)}
      />
    </label>
  );
}
