import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** wallet-service's environment, validated once at boot. */
export class WalletServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3001;
}
