import { z } from 'zod';
import { armDoc } from '../shared/arm/doc';
import { ArmError, armErrors } from '../shared/arm/errors';
import { ACCOUNT_ROUTE, armRequest } from '../shared/arm/request';
import { LOCATION, TYPES } from '../shared/arm/resource';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';

/**
 * Azure Automation API (Azure Resource Manager shape): the automation account, which is the
 * Hookbook deployment itself, and Azure's answer for every resource type Hookbook does not serve.
 */
route('armAccountGet', {
  methods: ['GET'],
  route: ACCOUNT_ROUTE,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    return json(200, {
      id: ctx.accountId,
      name: ctx.accountName,
      type: TYPES.account,
      location: LOCATION,
      tags: {},
      properties: { state: 'Ok', sku: { name: 'Basic' }, publicNetworkAccess: true, disableLocalAuth: false },
    });
  },
  doc: armDoc('', {
    summary: 'The automation account: this Hookbook deployment, whatever the names in the path (AutomationAccount_Get)',
    role: 'reader',
    responses: {
      200: {
        description: 'the account (clients copy its location into the runbooks they create)',
        schema: z.looseObject({ id: z.string(), name: z.string(), type: z.string(), location: z.string(), properties: z.looseObject({}) }),
      },
    },
  }),
});

// Not in the OpenAPI document: it answers only errors. Literal routes win over this catch-all.
route('armUnsupported', {
  methods: ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'],
  route: `${ACCOUNT_ROUTE}/{resourceType}/{*rest}`,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'reader');
    const rest = req.params.resourceType!.slice(0, 64);
    throw new ArmError(
      404,
      'InvalidResourceType',
      `Hookbook does not serve '${req.method} .../automationAccounts/{account}/${rest}${req.params.rest ? `/${req.params.rest.slice(0, 120)}` : ''}': the resource type '${rest}' or this operation on it is not supported (docs/azure-automation-api.md lists what is).`,
    );
  },
});
