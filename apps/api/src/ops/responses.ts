import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiDateTime } from '#libs/common';

/** The health check's body (Terminus): every indicator under `details`, the healthy ones under `info`, the others under `error`. */

export class HealthIndicatorResponse {
  @ApiProperty({ enum: ['up', 'down', 'degraded'], example: 'up' }) status!: string;
}

export class DatabaseHealthResponse extends HealthIndicatorResponse {
  @ApiPropertyOptional({ example: 3, description: 'Milliseconds the ping took' }) responseTime?: number;
}

/** The worker entry is information only: the API stays up when the worker lags. */
export class WorkerHealthResponse extends HealthIndicatorResponse {
  @ApiDateTime({ nullable: true, description: 'The worker’s last heartbeat; null when none was seen' }) lastHeartbeatAt!: string | null;
  @ApiPropertyOptional({ example: 12 }) ageSeconds?: number;
  @ApiProperty({ example: false, description: 'Three heartbeats missed' }) stale!: boolean;
  @ApiPropertyOptional({ example: 42 }) beats?: number;
  @ApiPropertyOptional({ example: 'host:1234' }) worker?: string;
}

/** The indicators by name; each list holds only those that belong to it. */
export class HealthIndicatorsResponse {
  @ApiPropertyOptional({ type: DatabaseHealthResponse }) database?: DatabaseHealthResponse;
  @ApiPropertyOptional({ type: HealthIndicatorResponse }) redis?: HealthIndicatorResponse;
  @ApiPropertyOptional({ type: WorkerHealthResponse }) worker?: WorkerHealthResponse;
}

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'error', 'degraded', 'shutting_down'], example: 'ok' }) status!: string;
  @ApiProperty({ type: HealthIndicatorsResponse, description: 'The indicators that are up' }) info!: HealthIndicatorsResponse;
  @ApiProperty({ type: HealthIndicatorsResponse, description: 'The indicators that are down' }) error!: HealthIndicatorsResponse;
  @ApiProperty({ type: HealthIndicatorsResponse, description: 'Every indicator' }) details!: HealthIndicatorsResponse;
}
