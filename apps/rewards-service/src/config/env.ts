import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** rewards-service's environment, validated once at boot. */
export class RewardsServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3002;
}
