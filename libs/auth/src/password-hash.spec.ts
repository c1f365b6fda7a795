import * as argon2 from 'argon2';
import { passwordHashOptions } from './password-hash.js';

describe('password hash cost', () => {
  it('keeps the library defaults outside the test environment', () => {
    for (const NODE_ENV of ['production', 'development', undefined]) {
      expect(passwordHashOptions({ NODE_ENV })).toEqual({
        type: argon2.argon2id,
        memoryCost: 65536,
        timeCost: 3,
        parallelism: 4,
      });
    }
  });

  it('is cheap under NODE_ENV=test and can be set by variable', () => {
    expect(passwordHashOptions({ NODE_ENV: 'test' })).toEqual({
      type: argon2.argon2id,
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
    });
    expect(
      passwordHashOptions({
        NODE_ENV: 'production',
        ARGON2_MEMORY_KIB: '131072',
        ARGON2_TIME_COST: '4',
        ARGON2_PARALLELISM: '2',
      }),
    ).toEqual({
      type: argon2.argon2id,
      memoryCost: 131072,
      timeCost: 4,
      parallelism: 2,
    });
    expect(() => passwordHashOptions({ ARGON2_TIME_COST: 'two' })).toThrow(
      /ARGON2_TIME_COST must be a positive integer/,
    );
  });

  it('verifies a hash made with either cost, whatever the current setting', async () => {
    const cheap = await argon2.hash('pw', passwordHashOptions({ NODE_ENV: 'test' }));
    expect(cheap).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
    expect(await argon2.verify(cheap, 'pw')).toBe(true);
    expect(await argon2.verify(cheap, 'other')).toBe(false);
    const full = await argon2.hash('pw', passwordHashOptions({ NODE_ENV: 'production' }));
    expect(full).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    expect(await argon2.verify(full, 'pw')).toBe(true);
  });
});
