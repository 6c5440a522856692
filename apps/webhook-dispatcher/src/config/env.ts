import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** webhook-dispatcher's environment, validated once at boot. */
export class WebhookDispatcherEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3006;
}
