"""Azure Automation's `automationassets` module for Hookbook jobs (docs/assets.md).

    import automationassets
    user = automationassets.get_automation_credential("ServiceAccount")  # {"username": ..., "password": ...}
    tenant = automationassets.get_automation_variable("TenantId")
    app = automationassets.get_automation_connection("GraphApp")           # dict of the connection's fields
    automationassets.set_automation_variable("LastRun", "2026-01-01T00:00:00Z")

Reads go to $HOOKBOOK_URL with the job token $HOOKBOOK_JOB_TOKEN; a job reads only the assets its
runbook declares. Standard library only.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

__all__ = [
    "AutomationAssetNotFound", "AutomationAssetError",
    "get_automation_variable", "set_automation_variable", "get_automation_credential", "get_automation_connection",
    "add_mask",
]


class AutomationAssetError(Exception):
    """The asset could not be read or written (the message says why)."""


class AutomationAssetNotFound(AutomationAssetError):
    """No asset of that name (Azure's module raises an exception of this name too)."""


def _json_default(value):
    # datetime and date values (a datetime variable) travel as ISO 8601 text.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError("%r is not JSON serializable" % (value,))


def _call(method, path, body=None):
    token = os.environ.get("HOOKBOOK_JOB_TOKEN")
    base = os.environ.get("HOOKBOOK_URL")
    if not token or not base:
        raise AutomationAssetError("no job token: run this inside a Hookbook job (HOOKBOOK_JOB_TOKEN and HOOKBOOK_URL are set there)")
    data = None if body is None else json.dumps(body, default=_json_default).encode("utf-8")
    req = urllib.request.Request(base.rstrip("/") + "/api/v1/job/" + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.loads(res.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        try:
            detail = json.loads(e.read().decode("utf-8")).get("detail")
        except Exception:  # noqa: BLE001 - any unreadable body
            detail = None
        cls = AutomationAssetNotFound if e.code == 404 else AutomationAssetError
        raise cls(detail or "HTTP %d" % e.code) from None


def _name(name):
    return urllib.parse.quote(name, safe="")


def get_automation_variable(name):
    """The variable's value (str, int, bool, datetime as an ISO 8601 string, or the JSON object)."""
    return _call("GET", "variables/" + _name(name))["value"]


def set_automation_variable(name, value):
    """Write a variable the runbook declares in assets.writeVariables."""
    result = _call("PUT", "variables/" + _name(name), {"value": value})
    if result.get("encrypted"):
        add_mask(value if isinstance(value, str) else json.dumps(value, default=_json_default))


def get_automation_credential(name):
    """{"username": ..., "password": ...}, as Azure's module returns it."""
    c = _call("GET", "credentials/" + _name(name))
    return {"username": c["userName"], "password": c["password"]}


def get_automation_connection(name):
    """The connection's fields as a dict (secret fields included)."""
    return _call("GET", "connections/" + _name(name))["fields"]


def add_mask(value):
    """Hide `value` in this job's output from now on."""
    sys.stdout.write("::add-mask::%s\n" % value)
    sys.stdout.flush()
