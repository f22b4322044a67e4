import { app, type HttpMethod } from '@azure/functions';
import { freezeSettings } from '../config';
import { describe, type Operation } from '../openapi/registry';
import { withErrors, problem, type ErrorFormatter, type Handler } from './respond';
import { audited, defaultAudit, type AuditOptions } from '../audit/record';

// In a Functions host the environment is fixed once the app starts: parse the settings once (config.ts).
app.hook.appStart(() => freezeSettings());

/**
 * Register one HTTP function (app.http, as deployed to Azure) and describe it in the OpenAPI
 * document in the same breath, so the two cannot drift apart.
 */
export function route(
  name: string,
  spec: {
    methods: HttpMethod[];
    route: string;
    handler: Handler;
    errors?: ErrorFormatter;
    /** The operation as documented; its operationId is `name` (with the method when it has several). */
    doc?: Omit<Operation, 'method' | 'operationId' | 'errors'>;
    /**
     * Record its calls in the audit trail (docs/audit.md): every change, and every refused
     * credential or role. Default: on for the management API (`api/v1/...`), off elsewhere.
     */
    audit?: AuditOptions | false;
  },
): void {
  const audit = spec.audit === undefined ? defaultAudit(spec.route) : spec.audit;
  app.http(name, {
    methods: spec.methods,
    route: spec.route,
    authLevel: 'anonymous',
    handler: withErrors(audit ? audited(spec.handler, name, spec.route, audit) : spec.handler, spec.errors ?? problem),
  });
  const errors = (spec.errors ?? problem).doc;
  if (spec.doc) {
    for (const m of spec.methods) {
      const method = m.toLowerCase() as Operation['method'];
      describe({ ...spec.doc, method, operationId: spec.methods.length > 1 ? `${name}_${method}` : name, errors });
    }
  }
}
