import { describe, expect, it } from 'vitest';
import { toHttpError } from '../../shared/http/errors';
import { AssetChangedError } from '../../shared/store/assetStore';

describe('toHttpError (the HTTP edge, every door)', () => {
  it('answers an asset changed between read and write with 409 and what to do', () => {
    const e = toHttpError(new AssetChangedError('credential', 'svc'));
    expect(e.status).toBe(409);
    expect(e.message).toBe("credential 'svc' was changed by someone else; read it again and retry.");
  });
});
