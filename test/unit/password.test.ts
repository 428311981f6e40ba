import { ScryptPasswordHasher } from '../../src/adapters/crypto/scrypt-password-hasher';
import { checkPasswordPolicy } from '../../src/domain/password';

describe('password policy', () => {
  it('accepts 8 to 1024 characters, counted as characters rather than bytes', () => {
    expect(() => checkPasswordPolicy('12345678')).not.toThrow();
    expect(() => checkPasswordPolicy('x'.repeat(1024))).not.toThrow();
    expect(() => checkPasswordPolicy('ééééééé')).toThrow(/8 to 1024/);
    expect(() => checkPasswordPolicy('1234567')).toThrow(/8 to 1024/);
    expect(() => checkPasswordPolicy('x'.repeat(1025))).toThrow(/8 to 1024/);
  });
});

describe('ScryptPasswordHasher', () => {
  const hasher = new ScryptPasswordHasher();

  it('when a password is hashed, then it verifies, and a different password does not', async () => {
    const { hash, salt } = await hasher.hash('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*$/);
    expect(hash).not.toContain('correct horse');
    await expect(hasher.verify('correct horse', hash, salt)).resolves.toBe(true);
    await expect(hasher.verify('correct horsf', hash, salt)).resolves.toBe(false);
  });

  it('when the same password is hashed twice, then the salts and hashes differ', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    await expect(hasher.verify('same password', a.hash, b.salt)).resolves.toBe(false);
  });

  it('when the stored hash is malformed or asks for an absurd cost, then verify is false, not a throw', async () => {
    const { hash, salt } = await hasher.hash('correct horse');
    const key = hash.split('$')[4]!;
    for (const bad of ['', 'plain', `scrypt$1000$8$1$${key}`, `scrypt$${2 ** 24}$8$1$${key}`, `scrypt$32768$8$1$${key.slice(4)}`]) {
      await expect(hasher.verify('correct horse', bad, salt)).resolves.toBe(false);
    }
    await expect(hasher.verify('correct horse', hash, '')).resolves.toBe(false);
  });

  it('a cheaper cost for tests still verifies, because the cost is stored with the hash', async () => {
    const { hash, salt } = await new ScryptPasswordHasher({ N: 1024, r: 8, p: 1 }).hash('correct horse');
    await expect(hasher.verify('correct horse', hash, salt)).resolves.toBe(true);
  });
});
