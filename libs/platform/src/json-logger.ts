import type { LoggerService, LogLevel } from '@nestjs/common';
import { requestContext } from './request-context';

const ORDER: Record<string, number> = { verbose: 0, debug: 1, log: 2, info: 2, warn: 3, error: 4, fatal: 5 };

/** Structured JSON logs, one line each, carrying the service name and the correlation id. */
export class JsonLogger implements LoggerService {
  private readonly min: number;

  constructor(private readonly service: string, level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
    this.min = ORDER[level] ?? 2;
  }

  private write(level: LogLevel | 'info', message: unknown, rest: unknown[]): void {
    if ((ORDER[level] ?? 2) < this.min) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: level === 'log' ? 'info' : level,
      service: this.service,
      context,
      correlation_id: requestContext.requestId() ?? undefined,
      msg: message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message),
    };
    const stack = rest.find((r) => typeof r === 'string' && r.includes('\n    at '));
    if (stack) line.stack = stack;
    (level === 'error' || level === 'fatal' ? process.stderr : process.stdout).write(`${JSON.stringify(line)}\n`);
  }

  log(message: unknown, ...rest: unknown[]): void { this.write('log', message, rest); }
  error(message: unknown, ...rest: unknown[]): void { this.write('error', message, rest); }
  warn(message: unknown, ...rest: unknown[]): void { this.write('warn', message, rest); }
  debug(message: unknown, ...rest: unknown[]): void { this.write('debug', message, rest); }
  verbose(message: unknown, ...rest: unknown[]): void { this.write('verbose', message, rest); }
  fatal(message: unknown, ...rest: unknown[]): void { this.write('fatal', message, rest); }
}
