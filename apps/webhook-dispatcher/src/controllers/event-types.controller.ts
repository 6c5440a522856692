import { Controller, Get } from '@nestjs/common';
import { dataJsonSchema, EventDefinitions, externalFieldSpecs } from '@wozamali/contracts';

/** Every event type a webhook endpoint can subscribe to, with the JSON Schema of its `data` as webhooks carry it (libs/contracts; a hidden donation amount is null). */
const EVENT_TYPES = Object.values(EventDefinitions)
  .map((def) => ({ type: def.type, version: def.version, schema: dataJsonSchema(externalFieldSpecs(def.type, def.fields)) }))
  .sort((a, b) => a.type.localeCompare(b.type));

@Controller('v1/webhooks/event-types')
export class EventTypesController {
  @Get() list() { return { data: EVENT_TYPES, next_cursor: null }; }
}
