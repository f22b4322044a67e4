// The output masker (pure logic): every form of a secret, splits over a line break, add-mask.
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretMasker, MIN_SECRET_CHARS } from '../../shared/jobs/mask';
import type { ProcessRecord } from '../../shared/runners/process';
import { helpersDir } from '../../shared/assets/jobEnv';

const secret = 'S3cr3t/"va\\lue+é ok';

function collect(m: SecretMasker) {
  const out: ProcessRecord[] = [];
  const s = m.stream((r) => out.push(r), 60_000);
  return {
    out,
    push: (text: string, streamType: ProcessRecord['streamType'] = 'Output') => s.push({ streamType, text }),
    end: () => s.end(),
  };
}

describe('SecretMasker', () => {
  const m = new SecretMasker();
  m.add(secret);

  it.each([
    ['plain', secret],
    ['JSON', JSON.stringify(secret).slice(1, -1)],
    ['JSON ensure_ascii', JSON.stringify(secret).slice(1, -1).replace('é', '\\u00e9')],
    ['ConvertTo-Json', JSON.stringify(secret).slice(1, -1).replace('é', '\\u00e9')],
    ['URL', encodeURIComponent(secret)],
    ['form', encodeURIComponent(secret).replace(/%20/g, '+')],
  ])('masks the %s form', (_, form) => {
    expect(m.mask(`before ${form} after`)).toBe('before *** after');
  });

  it('masks base64 at every byte offset, standard and URL-safe', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      for (const enc of ['base64', 'base64url'] as const) {
        const encoded = Buffer.from(prefix + secret + 'tail', 'utf8').toString(enc);
        const masked = m.mask(encoded);
        expect(masked, `${prefix}/${enc}`).toContain('***');
        expect(masked.replace('***', '').length).toBeLessThanOrEqual(12);
      }
    }
  });

  it('ignores values shorter than the minimum and masks each line of a multi-line secret', () => {
    const x = new SecretMasker();
    x.add('abc');
    expect(MIN_SECRET_CHARS).toBe(4);
    expect(x.mask('abc')).toBe('abc');
    x.add('-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----');
    expect(x.mask('line AAAABBBBCCCC')).toBe('line ***');
  });

  it('masks a secret split over two records of one stream, both halves', () => {
    const c = collect(m);
    c.push(`first ${secret.slice(0, 5)}`);
    c.push(`${secret.slice(5)} second`);
    c.end();
    expect(c.out.map((r) => r.text)).toEqual(['first ***', '*** second']);
  });

  it('add-mask hides a value from then on (and the record held back), and is never stored', () => {
    const c = collect(new SecretMasker());
    c.push('value: late-secret-42');
    c.push('::add-mask::late-secret-42');
    c.push('again late-secret-42');
    c.end();
    expect(c.out.map((r) => r.text)).toEqual(['value: ***', 'again ***']);
  });

  it('masks structured values and the final status', () => {
    const c = collect(m);
    const s = m.stream((r) => c.out.push(r), 60_000);
    s.push({ streamType: 'Output', text: 'x', value: { password: secret, n: 1 } });
    s.end();
    expect(c.out[0]!.value).toEqual({ password: '***', n: 1 });
    expect(m.final({ status: 'Failed', exception: `boom ${secret}`, result: JSON.stringify({ p: secret }) })).toEqual({
      status: 'Failed',
      exception: 'boom ***',
      result: '{"p":"***"}',
    });
  });
});

describe('runner helpers', () => {
  it('are readable (and the command executable) by any user, for jobs run as an unprivileged user', () => {
    const walk = (dir: string): void => {
      expect(statSync(dir).mode & 0o005, dir).toBe(0o005);
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        const st = statSync(full);
        if (st.isDirectory()) walk(full);
        else expect(st.mode & 0o004, full).toBe(0o004);
      }
    };
    walk(helpersDir());
    expect(statSync(join(helpersDir(), 'bin', 'hookbook-asset')).mode & 0o001).toBe(0o001);
  });
});
