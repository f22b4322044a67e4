import { z } from 'zod';
import type { Operation } from '../openapi/registry';
import { ACCOUNT_PATH } from './request';

type Doc = Omit<Operation, 'method' | 'operationId' | 'errors'>;

const ApiVersion = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/)
  .describe('2015-10-31 to 2024-10-23 (any Microsoft.Automation version in that range)');

/**
 * The OpenAPI description of one Azure Resource Manager operation: under the account path, with
 * api-version, bearer authentication and Azure's error body (shared/arm/errors.ts).
 */
export function armDoc(subPath: string, doc: Omit<Doc, 'path' | 'tag' | 'security'>): Doc {
  return {
    ...doc,
    path: ACCOUNT_PATH + subPath,
    tag: 'azure-automation',
    security: ['bearer'],
    query: { 'api-version': { schema: ApiVersion, description: 'the Microsoft.Automation API version' }, ...doc.query },
  };
}

/** A resource in Azure's shape; its properties are documented loosely (Azure's own specification has them). */
export const ArmResource = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  properties: z.looseObject({}),
});
export const ArmPage = z.object({ value: z.array(ArmResource), nextLink: z.string().optional() });
export const OperationStatus = z.looseObject({ status: z.enum(['Succeeded', 'Failed', 'InProgress']) });
