// In Azure the encryption and bootstrap keys are Key Vault references (infra/main.bicep); when the
// platform cannot resolve one it passes the reference text itself as the value. That text is public,
// so the code must refuse it rather than seal, sign or create an admin key with it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isKeyVaultReference, resolvedSecret } from '../../shared/auth/keyVaultReference';

const REF = '@Microsoft.KeyVault(SecretUri=https://hookbookkvabc.vault.azure.net/secrets/hookbook-encryption-key)';

describe('Key Vault references that the platform did not resolve', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('recognises the reference text, and nothing else', () => {
    expect(isKeyVaultReference(REF)).toBe(true);
    expect(isKeyVaultReference(' @microsoft.keyvault(VaultName=v;SecretName=s)')).toBe(true);
    expect(isKeyVaultReference('a-real-key-of-32-characters-or-more')).toBe(false);
    expect(isKeyVaultReference(undefined)).toBe(false);
    expect(resolvedSecret('X', 'plain')).toBe('plain');
    expect(resolvedSecret('X', undefined)).toBeUndefined();
    expect(() => resolvedSecret('HOOKBOOK_ENCRYPTION_KEY', REF)).toThrow(/HOOKBOOK_ENCRYPTION_KEY is an unresolved Key Vault reference/);
  });

  it('encrypting with HOOKBOOK_ENCRYPTION_KEY set to an unresolved reference fails instead of sealing with public text', async () => {
    vi.stubEnv('HOOKBOOK_ENCRYPTION_KEY', REF);
    vi.resetModules();
    const { encrypt } = await import('../../shared/auth/secrets');
    expect(() => encrypt('secret value')).toThrow(/unresolved Key Vault reference/);
  });

  it('a resolved key still encrypts and decrypts', async () => {
    vi.stubEnv('HOOKBOOK_ENCRYPTION_KEY', 'k'.repeat(44));
    vi.resetModules();
    const { encrypt, decrypt } = await import('../../shared/auth/secrets');
    expect(decrypt(encrypt('secret value'))).toBe('secret value');
  });

  it('no admin key is created from an unresolved HOOKBOOK_BOOTSTRAP_KEY', async () => {
    vi.stubEnv('HOOKBOOK_BOOTSTRAP_KEY', REF);
    vi.resetModules();
    const { ensureBootstrapKey } = await import('../../shared/auth/keys');
    await expect(ensureBootstrapKey()).rejects.toThrow(/HOOKBOOK_BOOTSTRAP_KEY is an unresolved Key Vault reference/);
  });

  it('the Kompira process-view link is not signed with an unresolved reference', async () => {
    vi.stubEnv('HOOKBOOK_ENCRYPTION_KEY', REF);
    vi.resetModules();
    const { processViewSig } = await import('../../shared/kompira/viewLink');
    expect(() => processViewSig('00000000-0000-0000-0000-000000000000')).toThrow(/unresolved Key Vault reference/);
  });
});
