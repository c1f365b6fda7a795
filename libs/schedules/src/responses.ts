import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiMoney } from '#libs/common';

/** The schedule preview's response (SPEC §5, a fixed contract: exactly these fields, in this order). */

export class ScheduleInstallmentView {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiDate({ example: '2022-12-01' }) dueDate!: string;
  @ApiProperty({
    example: 30,
    description: 'Calendar days since the previous due date (or the disbursement)',
  })
  days!: number;
  @ApiMoney({ example: '255.00' }) principal!: string;
  @ApiMoney({ example: '50.00' }) interest!: string;
  @ApiMoney({ example: '305.00' }) total!: string;
  @ApiMoney({ example: '4745.00', description: 'Principal outstanding after this instalment' })
  balanceAfter!: string;
}

export class ScheduleTotalsView {
  @ApiMoney({ example: '5000.00' }) principal!: string;
  @ApiMoney({ example: '488.22' }) interest!: string;
  @ApiMoney({ example: '5488.22' }) total!: string;
}

export class SchedulePreviewResponse {
  @ApiProperty({ type: [ScheduleInstallmentView] }) installments!: ScheduleInstallmentView[];
  @ApiProperty({ type: ScheduleTotalsView }) totals!: ScheduleTotalsView;
}
