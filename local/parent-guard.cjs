// Preloaded (node --require) into the Azurite children. If the local host dies without cleaning up
// (SIGKILL, crash), our stdin pipe closes: shut Azurite down instead of leaving an orphan that keeps
// its ports and memory. On a normal SIGTERM we also release stdin so the process can exit.
'use strict';
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, () => {
    process.stdin.destroy();
    // Azurite closes its servers on the signal; do not hang if a socket keeps the loop alive.
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
