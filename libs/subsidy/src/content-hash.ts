import { canonicalJson, sha256 } from '#libs/common';
import type { ContentHasher } from './domain/claims.js';

/** The hash of a claim's content (domain/claims.ts decides what is hashed): sha256 of its canonical JSON. */
export const hashContent: ContentHasher = (content) => sha256(canonicalJson(content));
