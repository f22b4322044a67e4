#!/usr/bin/env bash
# hookbook-manifest
# {
#   "name": "root_restart_process",
#   "description": "Restart a service (simulation of the Kompira jobflow /root/restart_process).",
#   "parameters": [ { "name": "service", "type": "string", "default": "httpd" } ]
# }
# end-hookbook-manifest
set -euo pipefail
echo "VERBOSE: restarting ${service} (simulated; nothing is touched)"
echo "${service} restarted"
echo true > "$HOOKBOOK_RESULT_FILE"
