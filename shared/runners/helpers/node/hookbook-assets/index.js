'use strict';
// Shared assets for node runbooks (docs/assets.md):
//   const assets = require('hookbook-assets');
//   const { userName, password } = await assets.getCredential('ServiceAccount');
// Reads go to $HOOKBOOK_URL with the job token $HOOKBOOK_JOB_TOKEN; a job reads only the assets its
// runbook declares. Node's own fetch, no dependencies.

class AssetError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'AssetError';
    this.status = status;
  }
}

async function call(method, path, body) {
  const token = process.env.HOOKBOOK_JOB_TOKEN;
  const base = process.env.HOOKBOOK_URL;
  if (!token || !base)
    throw new AssetError('no job token: run this inside a Hookbook job (HOOKBOOK_JOB_TOKEN and HOOKBOOK_URL are set there)');
  const res = await fetch(`${base.replace(/\/+$/, '')}/api/v1/job/${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new AssetError((json && json.detail) || `HTTP ${res.status}`, res.status);
  return json;
}

const enc = (name) => encodeURIComponent(name);

/** Hide `value` in this job's output from now on. */
function addMask(value) {
  process.stdout.write(`::add-mask::${value}\n`);
}

module.exports = {
  AssetError,
  /** The variable's value (string, number, boolean, ISO 8601 string for datetimes, or the object). */
  getVariable: async (name) => (await call('GET', `variables/${enc(name)}`)).value,
  /** Write a variable the runbook declares in assets.writeVariables. */
  setVariable: async (name, value) => {
    const r = await call('PUT', `variables/${enc(name)}`, { value });
    if (r && r.encrypted) addMask(typeof value === 'string' ? value : JSON.stringify(value));
  },
  /** `{ userName, password }`. */
  getCredential: async (name) => {
    const c = await call('GET', `credentials/${enc(name)}`);
    return { userName: c.userName, password: c.password };
  },
  /** The connection's fields (secret fields included). */
  getConnection: async (name) => (await call('GET', `connections/${enc(name)}`)).fields,
  addMask,
};
