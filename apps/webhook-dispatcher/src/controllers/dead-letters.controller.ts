import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ListDeadLettersQuery } from '../dtos/dead-letter.dto';
import { DeadLettersService } from '../services/dead-letters.service';

/** The dead-letter topics, for operators (through the gateway: admins, `dead_letters:read` / `:replay`). */
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get() list(@Query() q: ListDeadLettersQuery) { return this.deadLetters.list(q); }
  @Post(':id/replay') @HttpCode(202) replay(@Param('id') id: string) { return this.deadLetters.replay(id); }
}
