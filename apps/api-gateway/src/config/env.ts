import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** api-gateway's environment, validated once at boot. */
export class ApiGatewayEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 8080;
}
