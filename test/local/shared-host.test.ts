// The shared host from test/support/global-setup.ts, reached through vitest's inject().
import { describe, expect, inject, it } from 'vitest';
import { http } from '../support/host';

describe('shared host (globalSetup)', () => {
  it('provides hookbookUrl and hookbookAdminKey, and the host is healthy', async () => {
    const url = inject('hookbookUrl');
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(inject('hookbookAdminKey')).toMatch(/^test-admin-[0-9a-f]+:.+/);
    expect((await http(url, 'api/health')).status).toBe(200);
  });
});
