import type { Actor } from '#libs/common';

/**
 * Banks may authenticate with an API key instead of a token. The guarantee module provides the verifier; until
 * then no key is accepted.
 */
export abstract class ApiKeyVerifier {
  abstract verify(key: string): Promise<Actor | null>;
}
