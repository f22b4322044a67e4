'use strict';
// Runs one node runbook: reads its parameters (JSON) from stdin, loads the module, calls its
// exported `async (params, ctx) => result`, and reports records, the result or the exception as
// JSON lines on fd 3. Plain console output still goes to stdout/stderr (Output/Error streams).
const fs = require('fs');
const { pathToFileURL } = require('url');
const util = require('util');

const send = (m) => {
  try {
    fs.writeSync(3, JSON.stringify(m) + '\n');
  } catch {
    /* the worker is gone */
  }
};

function record(streamType) {
  return (...args) => {
    const objects = args.filter((a) => a !== null && typeof a === 'object');
    const text = args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ');
    const m = { kind: 'record', streamType, text };
    if (objects.length === 1 && args.length === 1) m.value = objects[0];
    send(m);
  };
}

function safeJson(v) {
  try {
    return v === undefined ? 'undefined' : JSON.stringify(v);
  } catch {
    return String(v);
  }
}

async function loadRunbook(file) {
  let mod;
  try {
    mod = require(file);
  } catch (error) {
    if (error && (error.code === 'ERR_REQUIRE_ESM' || error instanceof SyntaxError)) mod = await import(pathToFileURL(file).href);
    else throw error;
  }
  const fn = typeof mod === 'function' ? mod : mod && (mod.default ?? mod.run ?? mod.handler);
  const unwrapped = fn && typeof fn === 'object' && typeof fn.default === 'function' ? fn.default : fn;
  if (typeof unwrapped !== 'function')
    throw new Error('The runbook module exports no function (expected `module.exports = async (params, ctx) => ...` or `export default`).');
  return unwrapped;
}

/**
 * console.* goes through fd 3 too, so that its lines and ctx.output's records keep the order they
 * were written in (two pipes read separately do not). The lines are classified as stdout and stderr
 * lines are (classify.ts: the PowerShell host's prefixes on log/info; warn/error are Error).
 */
const PREFIXES = [
  ['VERBOSE: ', 'Verbose'],
  ['WARNING: ', 'Warning'],
  ['DEBUG: ', 'Debug'],
  ['PROGRESS: ', 'Progress'],
];

function consoleLines(source) {
  return (...args) => {
    for (const line of util.format(...args).split('\n')) {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      const prefixed = source === 'stdout' ? PREFIXES.find(([p]) => text.startsWith(p)) : undefined;
      if (prefixed) send({ kind: 'record', streamType: prefixed[1], text: text.slice(prefixed[0].length) });
      else send({ kind: 'record', streamType: source === 'stderr' ? 'Error' : 'Output', text });
    }
  };
}

function routeConsole() {
  console.log = console.info = consoleLines('stdout');
  console.debug = consoleLines('stdout');
  console.warn = console.error = consoleLines('stderr');
}

async function main() {
  routeConsole();
  const file = process.argv[2];
  const input = fs.readFileSync(0, 'utf8');
  const params = input.trim() ? JSON.parse(input) : {};
  const controller = new AbortController();
  process.on('SIGTERM', () => controller.abort(new Error('The job is being stopped.')));
  const ctx = {
    jobId: process.env.HOOKBOOK_JOB_ID,
    runbook: process.env.HOOKBOOK_RUNBOOK,
    attempt: Number(process.env.HOOKBOOK_ATTEMPT || '1'),
    signal: controller.signal,
    output: record('Output'),
    verbose: record('Verbose'),
    warning: record('Warning'),
    error: record('Error'),
    debug: record('Debug'),
    progress: record('Progress'),
  };
  const fn = await loadRunbook(file);
  const result = await fn(params, ctx);
  send({ kind: 'result', value: result === undefined ? null : JSON.parse(safeJson(result) ?? 'null') });
}

process.on('unhandledRejection', (error) => {
  send({ kind: 'exception', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (error) => {
    send({ kind: 'exception', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  },
);
