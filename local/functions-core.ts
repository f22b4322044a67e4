// The stand-in for `@azure/functions-core`, the module the real Node.js worker injects. The
// `@azure/functions` library requires it lazily on the first app.* call and caches the answer; when
// it is missing the library silently enters "test mode" and registers nothing. So install() must
// run before any function file is loaded. We then hold every registration with its full metadata.
import Module from 'node:module';

export const CORE_MODULE = '@azure/functions-core';

export interface CoreBinding {
  type: string;
  direction: 'in' | 'out';
  [option: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
  retryOptions?: unknown;
}

export type Handler = (...args: unknown[]) => unknown;

export interface Registration {
  name: string;
  metadata: FunctionMetadata;
  handler: Handler;
  /** The binding whose type ends in "Trigger". */
  trigger: CoreBinding & { name: string };
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

export const registry = {
  programmingModel: undefined as unknown,
  functions: [] as Registration[],
  hooks: { appStart: [], appTerminate: [], preInvocation: [], postInvocation: [], log: [] } as Record<HookName, HookCallback[]>,
  /** Shared by all hooks of the app, like the worker's appHookData. */
  appHookData: {} as Record<string, unknown>,
};

/** Where the library's system messages go (app.setup logs through here). */
let systemLog: (level: string, category: string, message: string) => void = () => {};

export function setSystemLog(fn: typeof systemLog): void {
  systemLog = fn;
}

const coreApi = {
  version: '3.10.1-hookbook-local',
  hostVersion: '4.1000.0',
  setProgrammingModel(model: unknown): void {
    registry.programmingModel = model;
  },
  getProgrammingModel(): unknown {
    return registry.programmingModel;
  },
  registerFunction(metadata: FunctionMetadata, handler: Handler) {
    if (registry.functions.some((f) => f.name.toLowerCase() === metadata.name.toLowerCase())) {
      // The real worker rejects duplicates too; fail loudly rather than shadow one function.
      throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
    }
    const entry = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
    if (!entry) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
    registry.functions.push({ name: metadata.name, metadata, handler, trigger: { ...entry[1], name: entry[0] } });
    return disposable(() => {
      registry.functions = registry.functions.filter((f) => f.metadata !== metadata);
    });
  },
  registerHook(name: HookName, callback: HookCallback) {
    const list = registry.hooks[name];
    if (!list) throw new RangeError(`Unrecognized hook "${String(name)}"`);
    list.push(callback);
    return disposable(() => {
      const i = list.indexOf(callback);
      if (i >= 0) list.splice(i, 1);
    });
  },
  log(level: string, category: string, message: string): void {
    systemLog(level, category, message);
  },
  Disposable: class {
    constructor(private readonly fn: () => void) {}
    dispose(): void {
      this.fn();
    }
  },
};

function disposable(fn: () => void) {
  return new coreApi.Disposable(fn);
}

let installed = false;

/**
 * Makes `require('@azure/functions-core')` return the stand-in, the way the real worker does it
 * (it proxies Module.prototype.require for that one name). We hook _resolveFilename too so that
 * require.resolve works and the module is cached under a stable id.
 */
export function installFunctionsCore(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const id = `\0${CORE_MODULE}`;
  const fake = new Module(id);
  fake.exports = coreApi;
  fake.loaded = true;
  M._cache[id] = fake;
  const resolve = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === CORE_MODULE ? id : resolve.call(this, request, ...rest);
  };
  const originalRequire = Module.prototype.require;
  Module.prototype.require = function (this: NodeJS.Module, request: string) {
    return request === CORE_MODULE ? coreApi : originalRequire.call(this, request);
  } as unknown as typeof originalRequire;
}
