// Preloaded (node --require) into the Azurite children in disk mode only.
// Azurite keeps its table and queue metadata in LokiJS and hard-codes LokiJS's autosave interval at
// 5000 ms: whatever was written since the last save is lost when Azurite dies without its graceful
// shutdown (SIGKILL of the whole process group, OOM kill, power loss). Azurite has no option for it,
// so this sets the interval LokiJS is constructed with to HOOKBOOK_AZURITE_SAVE_MS (the local host
// passes it; see docs/job-lifecycle.md "Durability of the local host"). A save only happens when
// something changed, and LokiJS writes a temporary file and renames it, so a kill mid-save leaves
// the previous file intact.
'use strict';
const ms = Number(process.env.HOOKBOOK_AZURITE_SAVE_MS);
if (Number.isInteger(ms) && ms > 0) {
  // The LokiJS that Azurite itself loads: resolve it from Azurite's entry script.
  const Loki = require(require.resolve('lokijs', { paths: [require('node:path').dirname(process.argv[1])] }));
  const configure = Loki.prototype.configureOptions;
  Loki.prototype.configureOptions = function (options, initialConfig) {
    if (options && options.persistenceMethod === 'fs' && options.autosave) options = { ...options, autosaveInterval: ms };
    return configure.call(this, options, initialConfig);
  };
}
