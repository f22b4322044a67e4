import { badRequest } from '../http/errors';
import { CONNECTION_TYPES, MAX_VALUE_CHARS, TOO_LONG, type VariableType } from '../model/asset';

/** A variable's value checked against its type; datetimes are kept as ISO 8601 strings. */
export function checkVariableValue(type: VariableType, value: unknown, name: string): unknown {
  const wrong = (what: string) => badRequest(`variable '${name}' is of type ${type}: the value must be ${what}.`);
  if (value === undefined) throw badRequest(`variable '${name}': field 'value' is missing.`);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      if (value.length > MAX_VALUE_CHARS) throw badRequest(`variable '${name}': the value ${TOO_LONG}.`);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong('an integer');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value;
    case 'datetime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrong('an ISO 8601 date and time');
      return new Date(value).toISOString();
    }
    case 'object': {
      const json = JSON.stringify(value);
      if (json === undefined) throw wrong('JSON');
      if (json.length > MAX_VALUE_CHARS) throw badRequest(`variable '${name}': the value as JSON ${TOO_LONG}.`);
      return value;
    }
  }
}

/** Which fields of a connection are secret, and that a known type has the fields it needs. */
export function connectionSecretFields(
  connectionType: string,
  fields: Record<string, unknown>,
  declared: string[] | undefined,
  name: string,
): string[] {
  const known = CONNECTION_TYPES[connectionType];
  if (!known) {
    for (const f of declared ?? [])
      if (!(f in fields)) throw badRequest(`connection '${name}': secret field '${f}' is not among its fields.`);
    return declared ?? [];
  }
  if (declared) throw badRequest(`connection '${name}': type ${connectionType} fixes its secret fields; leave out 'secretFields'.`);
  const unknown = Object.keys(fields).filter((f) => !known.fields.includes(f));
  if (unknown.length)
    throw badRequest(
      `connection '${name}': type ${connectionType} has no field ${unknown.map((f) => `'${f}'`).join(', ')} (fields: ${known.fields.join(', ')}).`,
    );
  // A connection without what its type needs (an Entra app without its secret) is of no use to a job.
  const missing = known.required.filter((f) => fields[f] === undefined || fields[f] === '');
  if (missing.length)
    throw badRequest(
      `connection '${name}': type ${connectionType} needs the field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f}'`).join(', ')} (fields: ${known.fields.join(', ')}).`,
    );
  return known.secret;
}
