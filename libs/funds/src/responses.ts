import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney, PageOf } from '#libs/common';

/** Response DTOs of the mutual-aid fund API: each describes exactly the JSON its handler returns (domain/views.ts). */

export class MutualAidFundRulesResponse {
  @ApiDecimal({ example: '90' }) lendingCapPercent!: string;
  @ApiMoney({ example: '10000.00' }) maxLoan!: string;
  @ApiMoney() firstLoanMax!: string;
  @ApiProperty({ example: 12 }) maxTermMonths!: number;
  @ApiDecimal({ example: '6' }) usageFeeRatePercent!: string;
  @ApiProperty() groupRequired!: boolean;
  @ApiProperty({ example: 3 }) groupMinSize!: number;
  @ApiProperty({ example: 5 }) groupMaxSize!: number;
  @ApiProperty({ example: 3 }) publicNoticeDays!: number;
  @ApiMoney({ example: '8000.00' }) secondApprovalThreshold!: string;
  @ApiProperty({ example: 12 }) shareLockMonths!: number;
  @ApiDecimal({ example: '40' }) feeCapitalPercent!: string;
  @ApiDecimal({ example: '20' }) feeRiskReservePercent!: string;
  @ApiDecimal({ example: '10' }) feePublicWelfarePercent!: string;
  @ApiDecimal({ example: '30' }) feeAdministrationPercent!: string;
  @ApiDecimal({ example: '0' }) feeDividendPercent!: string;
}

export class MutualAidFundCapitalAccountsResponse {
  @ApiProperty({ example: 'MAF:1:CAPITAL:CENTRAL' }) CENTRAL!: string;
  @ApiProperty({ example: 'MAF:1:CAPITAL:CITY' }) CITY!: string;
  @ApiProperty({ example: 'MAF:1:CAPITAL:DISTRICT' }) DISTRICT!: string;
  @ApiProperty({ example: 'MAF:1:CAPITAL:SOE' }) SOE!: string;
  @ApiProperty({ example: 'MAF:1:CAPITAL:DONATION' }) DONATION!: string;
  @ApiProperty({ example: 'MAF:1:CAPITAL:MEMBER' }) MEMBER!: string;
}

/** The fund's ledger account codes. */
export class MutualAidFundAccountsResponse {
  @ApiProperty({ example: 'MAF:1:CASH' }) cash!: string;
  @ApiProperty({ example: 'MAF:1:LOANS' }) loans!: string;
  @ApiProperty({ example: 'MAF:1:INTEREST_RECEIVABLE' }) interestReceivable!: string;
  @ApiProperty({ type: () => MutualAidFundCapitalAccountsResponse })
  capital!: MutualAidFundCapitalAccountsResponse;
  @ApiProperty({ example: 'MAF:1:CAPITAL:ACCUMULATED' }) capitalAccumulated!: string;
  @ApiProperty({ example: 'MAF:1:FEE_INCOME' }) feeIncome!: string;
  @ApiProperty({ example: 'MAF:1:PENALTY_INCOME' }) penaltyIncome!: string;
  @ApiProperty({ example: 'MAF:1:RECOVERY_INCOME' }) recoveryIncome!: string;
  @ApiProperty({ example: 'MAF:1:RISK_RESERVE' }) riskReserve!: string;
  @ApiProperty({ example: 'MAF:1:PUBLIC_WELFARE' }) publicWelfare!: string;
  @ApiProperty({ example: 'MAF:1:ADMINISTRATION' }) administration!: string;
  @ApiProperty({ example: 'MAF:1:DIVIDENDS_PAYABLE' }) dividendsPayable!: string;
  @ApiProperty({ example: 'MAF:1:WRITE_OFF_EXPENSE' }) writeOffExpense!: string;
}

export class MutualAidFundCapitalBySourceResponse {
  @ApiMoney() CENTRAL!: string;
  @ApiMoney() CITY!: string;
  @ApiMoney() DISTRICT!: string;
  @ApiMoney() SOE!: string;
  @ApiMoney() DONATION!: string;
  @ApiMoney() MEMBER!: string;
  @ApiMoney({ description: 'Fee income accumulated into capital' }) ACCUMULATED!: string;
}

export class MutualAidFundPositionResponse {
  @ApiProperty({ type: () => MutualAidFundCapitalBySourceResponse })
  capitalBySource!: MutualAidFundCapitalBySourceResponse;
  @ApiMoney() capital!: string;
  @ApiMoney() cash!: string;
  @ApiMoney() loansOutstanding!: string;
  @ApiMoney() interestReceivable!: string;
  @ApiDecimal({ example: '90' }) lendingCapPercent!: string;
  @ApiMoney() lendingCap!: string;
  @ApiMoney() capHeadroom!: string;
  @ApiMoney() availableToLend!: string;
  @ApiDecimal({ nullable: true, example: '12.70', description: 'Null while the lending cap is zero' })
  capUtilisationPercent!: string | null;
  @ApiProperty({ example: 5 }) memberCount!: number;
  @ApiProperty({ example: 2 }) poorMemberCount!: number;
}

export class MutualAidFundResponse {
  @ApiId() id!: string;
  @ApiId() villageId!: string;
  @ApiProperty({ example: '370304104201' }) villageCode!: string;
  @ApiProperty({ example: '上小峰村' }) villageName!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '上小峰村互助资金' }) name!: string;
  @ApiProperty({ enum: ['ACTIVE', 'SUSPENDED', 'CLOSED'] }) status!: string;
  @ApiProperty({ type: () => MutualAidFundRulesResponse }) rules!: MutualAidFundRulesResponse;
  @ApiProperty({ type: () => MutualAidFundAccountsResponse }) accounts!: MutualAidFundAccountsResponse;
  @ApiProperty({ type: () => MutualAidFundPositionResponse }) position!: MutualAidFundPositionResponse;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}
export const MutualAidFundPage = PageOf(MutualAidFundResponse);

export class FundMemberResponse {
  @ApiId() id!: string;
  @ApiId() fundId!: string;
  @ApiId() householdId!: string;
  @ApiProperty({ enum: ['ACTIVE', 'LEFT'] }) status!: string;
  @ApiDate() joinedOn!: string;
  @ApiDate({ nullable: true }) leftOn!: string | null;
  @ApiMoney({ description: 'Member-paid share still in the fund: the only part the household may withdraw' })
  paidShare!: string;
  @ApiMoney({ description: 'Base share paid with fiscal money (配股): never paid out to the household' })
  fiscalShare!: string;
  @ApiMoney() totalShare!: string;
  @ApiMoney() withdrawn!: string;
  @ApiDate({
    description: "First day the member-paid share may be withdrawn (joinedOn + the fund's share lock)",
  })
  withdrawableFrom!: string;
}

export class FundMemberHouseholdResponse {
  @ApiProperty({ example: '张三' }) headName!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '3703**********1234',
    description: 'Masked unless the role sees ID numbers',
  })
  idNumber!: string | null;
  @ApiProperty({ enum: ['POOR', 'GRADUATED', 'NON_POOR'] }) status!: string;
}

export class FundMemberListItemResponse extends FundMemberResponse {
  @ApiProperty({ type: () => FundMemberHouseholdResponse }) household!: FundMemberHouseholdResponse;
}
export const FundMemberListItemPage = PageOf(FundMemberListItemResponse);

export class FundContributionResponse {
  @ApiId() id!: string;
  @ApiId() fundId!: string;
  @ApiProperty({ enum: ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER'] }) source!: string;
  @ApiMoney() amount!: string;
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty({ type: String, nullable: true, example: '博财预〔2026〕12号' }) documentRef!: string | null;
  @ApiDate() receivedOn!: string;
  @ApiId({ nullable: true }) householdId!: string | null;
  @ApiProperty() fiscalFunded!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null }) soeName!: string | null;
  @ApiMoney({ nullable: true }) soeProfitBase!: string | null;
  @ApiId() entryId!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiPropertyOptional({
    type: () => FundMemberResponse,
    description:
      "The member's share after this contribution (member and fiscal-funded shares, when recorded)",
  })
  member?: FundMemberResponse;
}

export class FundContributionPage {
  @ApiProperty({ type: [FundContributionResponse] }) items!: FundContributionResponse[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 1 }) total!: number;
  @ApiMoney({ description: 'Sum of every contribution matching the filter (not only this page)' })
  totalAmount!: string;
}

export class ShareWithdrawalResponse {
  @ApiId() id!: string;
  @ApiId() fundId!: string;
  @ApiId() householdId!: string;
  @ApiMoney() amount!: string;
  @ApiDate() withdrawnOn!: string;
  @ApiProperty({ type: String, nullable: true, example: 'moving to the city' }) reason!: string | null;
  @ApiId() entryId!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}
export const ShareWithdrawalPage = PageOf(ShareWithdrawalResponse);

export class RecordedShareWithdrawalResponse extends ShareWithdrawalResponse {
  @ApiProperty({ type: () => FundMemberResponse, description: "The member's share after the withdrawal" })
  member!: FundMemberResponse;
}
