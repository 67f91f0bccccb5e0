import { describe, expect, it } from 'vitest';
import { isSecretName, SecretMasker } from '../../src/util/secrets.js';

describe('SecretMasker', () => {
  const token = 'ghp_abcdefghijklmnop1234';
  const masker = SecretMasker.fromEnv({
    GITHUB_TOKEN: token,
    HOME: '/root',
    DB_PASSWORD: 'hunter2hunter2',
  });

  it.each([
    ['a plain token', `token is ${token}.`, 'token is ***.'],
    [
      'a token in a URL',
      `https://x-access-token:${token}@github.com/o/r.git`,
      'https://***@github.com/o/r.git',
    ],
    ['the base64 of a token', `Basic ${Buffer.from(token).toString('base64')}`, 'Basic ***'],
    ['a password variable', 'pw=hunter2hunter2', 'pw=***'],
    [
      'any URL credentials, even unknown ones',
      'git clone https://bob:s3cr3t@example.com/x',
      'git clone https://***@example.com/x',
    ],
  ])('masks %s', (_, text, expected) => {
    expect(masker.mask(text)).toBe(expected);
  });

  it('masks the UTF-8 bytes of the same secrets in output held as bytes, and leaves every other byte as it was', () => {
    const bytes = masker.forBytes();
    const asBytes = (buffer: Buffer) => buffer.toString('latin1');
    const line = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(` ${token} ü é\n`)]);
    expect(Buffer.from(bytes.mask(asBytes(line)), 'latin1')).toEqual(
      Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(' *** ü é\n')]),
    );
    const base64 = Buffer.from(`Basic ${Buffer.from(token).toString('base64')}`);
    expect(bytes.mask(asBytes(base64))).toBe('Basic ***');
    // A byte 0xA0 inside a character (à is C3 A0) does not end the credentials of a URL.
    const url = Buffer.from('git clone https://bob:pàssword@example.com/x');
    expect(Buffer.from(bytes.mask(asBytes(url)), 'latin1').toString()).toBe(
      'git clone https://***@example.com/x',
    );
  });

  it('leaves ordinary text and non-secret variables alone', () => {
    expect(masker.mask('home is /root, mail me at a@b.c')).toBe('home is /root, mail me at a@b.c');
  });

  it('masks deep inside objects and arrays and keeps unchanged values identical', () => {
    const payload = { outputs: { list: [`x${token}x`], n: 1 }, other: { keep: 'me' } };
    const masked = masker.maskDeep(payload);
    expect(masked.outputs.list).toEqual(['x***x']);
    expect(masked.other).toBe(payload.other);
  });

  it.each([
    ['GITHUB_TOKEN', true],
    ['GH_TOKEN', true],
    ['NPM_TOKEN', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASSWORD', true],
    ['HOME', false],
    ['SSH_AUTH_SOCK', false],
    ['PATH', false],
  ])('treats %s as secret: %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });
});
