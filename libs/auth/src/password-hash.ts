import * as argon2 from 'argon2';

/**
 * argon2id cost for new password hashes. Production and development use the library's defaults (64 MiB, 3 passes,
 * 4 lanes). Under NODE_ENV=test (set by the test runner) the default drops to the smallest sensible cost, so the
 * suite's hundreds of logins do not spend minutes of CPU; ARGON2_MEMORY_KIB, ARGON2_TIME_COST and ARGON2_PARALLELISM
 * override either. A hash carries its own parameters, so `verify` needs none and old hashes keep working.
 */
export function passwordHashOptions(env: NodeJS.ProcessEnv = process.env): argon2.HashOptions {
  const test = env.NODE_ENV === 'test';
  const int = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
    return n;
  };
  return {
    type: argon2.argon2id,
    memoryCost: int('ARGON2_MEMORY_KIB', test ? 1024 : 65536),
    timeCost: int('ARGON2_TIME_COST', test ? 1 : 3),
    parallelism: int('ARGON2_PARALLELISM', test ? 1 : 4),
  };
}

const options = passwordHashOptions();

/** Hashes a password with the configured argon2id cost. */
export const hashPassword = (password: string): Promise<string> => argon2.hash(password, options);
