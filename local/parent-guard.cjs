// Preloaded (node --require) into the Azurite children.
// 1. If the local host dies without cleaning up (SIGKILL, crash), our stdin pipe closes: shut Azurite
//    down instead of leaving an orphan that keeps its ports and memory.
// 2. Azurite's table service only shuts down gracefully on SIGINT (the queue service on both), so a
//    SIGTERM is turned into SIGINT when nobody else handles it; on-disk data is saved either way.
// 3. Exit as soon as Azurite reports "successfully closed" (some of its timers would keep the process
//    alive a while longer), with a fallback in case it never does.
'use strict';
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
