import type { FieldError, FieldErrorCode } from '#libs/common';
import type { Fen } from '#libs/money';
import { isFiscalSource, type CapitalSource } from './accounts.js';

export interface ContributionInput {
  source: CapitalSource;
  amountFen: Fen;
  year: number;
  receivedOn: string;
  documentRef?: string | null;
  householdId?: string | null;
  fiscalFunded: boolean;
  soeName?: string | null;
  soeProfitBaseFen?: Fen | null;
}

/**
 * The shape rules of a contribution that no single field can check: which fields go with which source. Every
 * broken rule is returned at once; the caller answers 400 with all of them and writes nothing.
 */
export function contributionInputErrors(c: ContributionInput, today: string): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, code: FieldErrorCode, message: string) =>
    errors.push({ field, code, message });
  if (c.receivedOn > today)
    fail('receivedOn', 'DATE_IN_FUTURE', `money cannot be received after today (${today})`);
  if (c.source === 'MEMBER') {
    if (!c.householdId)
      fail('householdId', 'REQUIRED_FOR_MEMBER', 'a member share names the household that pays it');
    if (c.fiscalFunded) {
      fail(
        'fiscalFunded',
        'FISCAL_NOT_MEMBER',
        'a fiscal-funded share (配股) is paid by a fiscal source, not by the member: use source CENTRAL, CITY or DISTRICT',
      );
    }
  } else if (c.fiscalFunded) {
    if (!isFiscalSource(c.source)) {
      fail(
        'source',
        'FISCAL_SOURCE_REQUIRED',
        'a fiscal-funded share (配股) is paid from CENTRAL, CITY or DISTRICT money',
      );
    }
    if (!c.householdId)
      fail(
        'householdId',
        'REQUIRED_FOR_FISCAL_SHARE',
        'a fiscal-funded share is recorded against the poor household it is for',
      );
  } else if (c.householdId) {
    fail(
      'householdId',
      'ONLY_FOR_SHARES',
      'a household is named only for a member share or a fiscal-funded share',
    );
  }
  // Public money always arrives under a document (拨款文件号); a member's own share may come with just a receipt.
  if (c.source !== 'MEMBER' && !c.documentRef) {
    fail('documentRef', 'REQUIRED_FOR_SOURCE', `a ${c.source} contribution needs its document reference`);
  }
  if (c.source === 'SOE') {
    if (!c.soeName) fail('soeName', 'REQUIRED_FOR_SOE', 'an SOE contribution names the enterprise');
    if (c.soeProfitBaseFen === undefined || c.soeProfitBaseFen === null) {
      fail('soeProfitBase', 'REQUIRED_FOR_SOE', 'an SOE contribution states the profit it is a share of');
    } else if (c.amountFen > c.soeProfitBaseFen) {
      fail(
        'amount',
        'ABOVE_PROFIT_BASE',
        'an SOE contributes a share of its profit: the amount cannot exceed the profit base',
      );
    }
  } else {
    if (c.soeName) fail('soeName', 'ONLY_FOR_SOE', 'only an SOE contribution names an enterprise');
    if (c.soeProfitBaseFen !== undefined && c.soeProfitBaseFen !== null)
      fail('soeProfitBase', 'ONLY_FOR_SOE', 'only an SOE contribution has a profit base');
  }
  return errors;
}
