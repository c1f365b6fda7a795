import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { IsInt, Max, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

/**
 * The limits of repayments, arrears and the close of business (SPEC §2: defaults in configuration, never literals
 * in code). Read from the environment with these defaults; a bad value stops the boot naming the variable.
 */
export class RepaymentConfig {
  /** A repayment may carry a value date at most this many days back (backdated payments). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(366)
  REPAYMENT_BACKDATE_DAYS = 30;

  /** A loan may be written off once it is at least this many days overdue. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  WRITE_OFF_MIN_DAYS_OVERDUE = 180;

  /** A mutual-aid loan this many days overdue raises a call on its joint-liability group. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  GROUP_LIABILITY_DAYS = 30;

  /** Loans per COB batch (one short transaction each, then a checkpoint). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  COB_BATCH_SIZE = 5000;

  /** Funds per snapshot batch. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  COB_SNAPSHOT_BATCH_SIZE = 200;
}

export function loadRepaymentConfig(env: Record<string, string | undefined> = process.env): RepaymentConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(new RepaymentConfig()))
    if (env[key] !== undefined && env[key] !== '') raw[key] = env[key] as string;
  const config = plainToInstance(RepaymentConfig, raw, { exposeDefaultValues: true });
  const problems = validateSync(config).map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  if (problems.length)
    throw new RangeError(`Invalid repayment configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
