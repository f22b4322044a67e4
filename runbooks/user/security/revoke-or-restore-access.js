// Simulates RealmJoin's "revoke or restore access" runbook: no tenant is touched.
module.exports = async ({ UserName, Revoke }, ctx) => {
  ctx.verbose('Connecting to Microsoft Graph (simulated)...');
  ctx.verbose(`Looking up user '${UserName}'`);
  if (!UserName.includes('@')) throw new Error(`User '${UserName}' not found`);
  ctx.verbose(Revoke ? 'Revoking sign-in sessions and blocking sign-in' : 'Allowing sign-in again');
  ctx.output(`## User access for ${UserName} has been ${Revoke ? 'revoked' : 'restored'}.`);
  return { UserName, revoked: Revoke };
};
