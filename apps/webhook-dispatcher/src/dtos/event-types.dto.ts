import { EventDefinitions } from '@wozamali/contracts';
import { IsIn, IsOptional } from 'class-validator';

/** `POST /v1/webhooks/endpoints/{id}/test`: which event type to send an example of (default: the endpoint's first). */
export class TestSendDto {
  @IsOptional()
  @IsIn(Object.keys(EventDefinitions))
  event_type?: string;
}
