/**
 * In Azure, HOOKBOOK_ENCRYPTION_KEY is a Key Vault reference (infra/main.bicep). When the platform
 * cannot resolve one (the identity's role not yet applied, the vault unreachable, a wrong secret
 * name), it hands the app the reference text itself, `@Microsoft.KeyVault(...)`, as the value. That
 * text is no secret: sealing with it would store secrets under a public key, and signing with it
 * would let anyone forge signatures. So a key that is still a reference is refused, loudly.
 */
const REFERENCE = /^\s*@Microsoft\.KeyVault\(/i;

export function isKeyVaultReference(value: string | undefined): boolean {
  return value !== undefined && REFERENCE.test(value);
}

/** `value` unchanged, or an error naming the setting when it is an unresolved Key Vault reference. */
export function resolvedSecret(setting: string, value: string | undefined): string | undefined {
  if (isKeyVaultReference(value)) {
    throw new Error(
      `${setting} is an unresolved Key Vault reference: the app's identity cannot read the secret yet (role assignment still propagating, or a wrong vault or secret name). See docs/deploy.md.`,
    );
  }
  return value;
}
