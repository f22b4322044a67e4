// Runs one function invocation the way the Node.js worker does: preInvocation hooks, the handler,
// postInvocation hooks, then output bindings. Every trigger (HTTP, queue, timer) goes through here,
// so hooks, logging and the in-flight count used by graceful shutdown are the same for all.
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { CoreBinding, Registration } from './functions-core';
import { registry } from './functions-core';
import { logLine, shortId } from './log';
import { writeOutputBindings } from './output-bindings';

const inFlight = new Set<Promise<unknown>>();

/** Resolves when no invocation is running (or after timeoutMs); returns how many were still running. */
export async function drainInvocations(timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (inFlight.size > 0 && Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => (timer = setTimeout(r, deadline - Date.now())))]);
    clearTimeout(timer);
  }
  return inFlight.size;
}

const verbose = /^(debug|trace)$/i.test(process.env.HOOKBOOK_LOG_LEVEL ?? '');

function bindingOptions(reg: Registration) {
  const extraInputs: Array<CoreBinding & { name: string }> = [];
  const extraOutputs: Array<CoreBinding & { name: string }> = [];
  let ret: (CoreBinding & { name: string }) | undefined;
  for (const [name, b] of Object.entries(reg.metadata.bindings)) {
    if (b === reg.metadata.bindings[reg.trigger.name]) continue;
    if (name === '$return') ret = { ...b, name };
    else (b.direction === 'in' ? extraInputs : extraOutputs).push({ ...b, name });
  }
  return { trigger: reg.trigger, return: ret, extraInputs, extraOutputs };
}

export function createContext(reg: Registration, triggerMetadata?: Record<string, unknown>): InvocationContext {
  const invocationId = randomUUID();
  const functionName = reg.name;
  const context: InvocationContext = new InvocationContext({
    invocationId,
    functionName,
    triggerMetadata,
    options: bindingOptions(reg) as never,
    logHandler: (level, ...args) => {
      const message = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : safeJson(a))).join(' ');
      for (const hook of registry.hooks.log) {
        try {
          hook({ level, message, category: 'user', invocationContext: context, hookData: {} });
        } catch {
          /* a failing log hook must not break the function */
        }
      }
      if (verbose || !/^(debug|trace)$/.test(level)) logLine(functionName, `[${shortId(invocationId)}]`, `${level}:`, message);
    },
  });
  return context;
}

function safeJson(v: unknown): string {
  try {
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  } catch {
    return String(v);
  }
}

/** Runs the handler with hooks and output bindings. Throws what the handler (or a hook) threw. */
export function invoke(reg: Registration, input: unknown, context: InvocationContext): Promise<unknown> {
  const p = runInvocation(reg, input, context);
  inFlight.add(p);
  const forget = () => inFlight.delete(p);
  p.then(forget, forget);
  return p;
}

async function runInvocation(reg: Registration, input: unknown, context: InvocationContext): Promise<unknown> {
  const hookData: Record<string, unknown> = {};
  const pre: Record<string, unknown> = {
    hookData,
    appHookData: registry.appHookData,
    invocationContext: context,
    inputs: [input],
    functionCallback: reg.handler,
  };
  for (const hook of registry.hooks.preInvocation) await hook(pre);
  const handler = pre.functionCallback as Registration['handler'];
  const inputs = pre.inputs as unknown[];
  const post: Record<string, unknown> = { hookData, appHookData: registry.appHookData, invocationContext: context, inputs };
  try {
    post.result = await handler(...inputs, context);
  } catch (err) {
    post.error = err;
  }
  for (const hook of registry.hooks.postInvocation) await hook(post);
  // The hooks may replace the error with anything; rethrow it as the handler's failure, as the host does.
  if (post.error !== undefined && post.error !== null) throw post.error instanceof Error ? post.error : new Error(String(post.error));
  await writeOutputBindings(reg, context, post.result);
  return post.result;
}
