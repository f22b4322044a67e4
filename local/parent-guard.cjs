// Preloaded (node --require) into the Azurite children.
// 1. If the local host dies without cleaning up (SIGKILL, crash), our stdin pipe closes: shut Azurite
//    down instead of leaving an orphan that keeps its ports and memory.
// 2. Azurite's table service only shuts down gracefully on SIGINT (the queue service on both), so a
//    SIGTERM is turned into SIGINT when nobody else handles it; on-disk data is saved either way.
// 3. Exit as soon as Azurite reports "successfully closed" (some of its timers would keep the process
//    alive a while longer), with a fallback in case it never does.
// 4. Disk mode: Azurite keeps its table and queue metadata in LokiJS and hard-codes LokiJS's autosave
//    interval at 5000 ms; what was written since the last save is lost when Azurite dies without its
//    graceful shutdown (SIGKILL of the whole process group, OOM kill, power loss). Azurite has no
//    option for it, so the interval LokiJS is constructed with becomes HOOKBOOK_AZURITE_SAVE_MS (set
//    by local/azurite.ts in disk mode only; see docs/job-lifecycle.md "Durability of the local host").
//    A save happens only when something changed; LokiJS writes a temporary file and renames it, so a
//    kill during a save leaves the previous file intact.
'use strict';
const saveMs = Number(process.env.HOOKBOOK_AZURITE_SAVE_MS);
if (Number.isInteger(saveMs) && saveMs > 0) {
  // The LokiJS that Azurite itself loads: resolved from Azurite's entry script.
  const Loki = require(require.resolve('lokijs', { paths: [require('node:path').dirname(process.argv[1])] }));
  const configure = Loki.prototype.configureOptions;
  Loki.prototype.configureOptions = function (options, initialConfig) {
    if (options && options.persistenceMethod === 'fs' && options.autosave) options = { ...options, autosaveInterval: saveMs };
    return configure.call(this, options, initialConfig);
  };
}

const stop = () => process.kill(process.pid, 'SIGINT');
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

const log = console.log;
console.log = (...args) => {
  log(...args);
  if (/successfully closed/.test(String(args[0]))) setImmediate(() => process.exit(0));
};
let stopping = false;
const onSignal = (sig) => {
  process.stdin.destroy();
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 10_000).unref();
  if (sig === 'SIGTERM' && process.listenerCount('SIGTERM') === 1) stop();
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));
