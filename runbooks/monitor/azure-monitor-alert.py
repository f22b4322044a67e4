# hookbook-manifest
# {
#   "name": "azure-monitor-alert",
#   "path": "/monitor/azure-monitor-alert",
#   "description": "Handle an Azure Monitor alert (common alert schema) delivered by a webhook.",
#   "parameters": [ { "name": "WebhookData", "type": "object", "description": "Set by the webhook" } ]
# }
# end-hookbook-manifest
import json
import os
import sys

with open(os.environ["HOOKBOOK_PARAMETERS_FILE"], encoding="utf-8") as f:
    params = json.load(f)

webhook = params.get("WebhookData") or {}
try:
    body = json.loads(webhook.get("RequestBody") or "")
except ValueError:
    body = None

if not isinstance(body, dict) or body.get("schemaId") != "azureMonitorCommonAlertSchema":
    print("The request body is not an Azure Monitor common alert schema payload.", file=sys.stderr)
    sys.exit(1)

essentials = (body.get("data") or {}).get("essentials") or {}
rule = essentials.get("alertRule", "?")
severity = essentials.get("severity", "?")
condition = essentials.get("monitorCondition", "?")
print(f"VERBOSE: alert {essentials.get('alertId', '')} fired at {essentials.get('firedDateTime', '')}")
if condition == "Resolved":
    print("VERBOSE: the alert is resolved; nothing to remediate")
print(f"{rule} {severity} {condition}")
