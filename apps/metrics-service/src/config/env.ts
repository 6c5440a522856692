import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** metrics-service's environment, validated once at boot. */
export class MetricsServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3005;
}
