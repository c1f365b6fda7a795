import { CLAIM_STATUSES } from '../../../../libs/subsidy/src/domain/claims.js';
import { LABELS } from './messages.js';

describe('console status labels', () => {
  it('gives every subsidy claim status its own label in Chinese and English, none a loan’s', () => {
    const labels = LABELS as Record<string, readonly [string, string]>;
    for (const status of CLAIM_STATUSES) {
      const pair = labels[`sc_${status}`];
      expect(pair, status).toBeDefined();
      expect(pair[0].trim(), status).not.toBe('');
      expect(pair[1].trim(), status).not.toBe('');
      expect(pair[0], status).not.toMatch(/放款/);
    }
  });
});
