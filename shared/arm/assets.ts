import { z } from 'zod';
import { badRequest } from '../errors';
import type { Connection, Credential, Variable, VariableType } from '../model/asset';
import type { ArmContext } from './request';
import { proxyResource } from './resource';

/**
 * Variables, credentials and connections in Azure's shape. A variable's value travels
 * JSON-encoded (`"\"text\""`, `"5"`), as in Azure; an encrypted variable's value, a credential's
 * password and a connection's secret fields are never returned.
 */
const times = (m: { createdTime: string; lastModifiedTime: string; description: string }) => ({
  creationTime: m.createdTime,
  lastModifiedTime: m.lastModifiedTime,
  description: m.description,
});

export const variableResource = (ctx: ArmContext, v: Variable) =>
  proxyResource(ctx, 'variables', v.name, {
    ...(v.encrypted ? {} : { value: JSON.stringify(v.value) }),
    isEncrypted: v.encrypted,
    ...times(v),
  });

export const credentialResource = (ctx: ArmContext, c: Credential) =>
  proxyResource(ctx, 'credentials', c.name, { userName: c.userName, ...times(c) });

export const connectionResource = (ctx: ArmContext, c: Connection) =>
  proxyResource(ctx, 'connections', c.name, {
    connectionType: { name: c.connectionType },
    fieldDefinitionValues: Object.fromEntries(Object.entries(c.fields).map(([k, v]) => [k, String(v)])),
    ...times(c),
  });

/** A variable's JSON-encoded value and the Hookbook type it implies. */
export function decodeVariableValue(raw: string): { value: unknown; type: VariableType } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest('properties.value must be JSON-encoded, as Azure stores it: "\\"text\\"" for a string, "5" for a number.');
  }
  const type: VariableType =
    typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'bool' : Number.isSafeInteger(value) ? 'int' : 'object';
  return { value, type };
}

const Common = { name: z.string().max(128).optional() };
const description = z.string().max(1024).optional();
export const VariablePutBody = z.looseObject({
  ...Common,
  properties: z.looseObject({ value: z.string().max(40_000).optional(), isEncrypted: z.boolean().optional(), description }),
});
export const VariablePatchBody = z.looseObject({
  ...Common,
  properties: z.looseObject({ value: z.string().max(40_000).optional(), description }).optional(),
});
export const CredentialPutBody = z.looseObject({
  ...Common,
  properties: z.looseObject({
    userName: z.string().min(1).max(1024),
    password: z
      .string()
      .min(1)
      .max(32 * 1024),
    description,
  }),
});
export const CredentialPatchBody = z.looseObject({
  ...Common,
  properties: z
    .looseObject({
      userName: z.string().min(1).max(1024).optional(),
      password: z
        .string()
        .min(1)
        .max(32 * 1024)
        .optional(),
      description,
    })
    .optional(),
});
const Fields = z.record(z.string().max(64), z.union([z.string().max(32 * 1024), z.number(), z.boolean()]));
export const ConnectionPutBody = z.looseObject({
  ...Common,
  properties: z.looseObject({
    connectionType: z.looseObject({ name: z.string().min(1).max(64) }),
    fieldDefinitionValues: Fields.optional(),
    description,
  }),
});
export const ConnectionPatchBody = z.looseObject({
  ...Common,
  properties: z.looseObject({ fieldDefinitionValues: Fields.optional(), description }).optional(),
});
