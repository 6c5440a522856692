import {
  ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { requestContext } from './request-context';

/** One field's validation failure in a problem's `errors`. */
export interface FieldError {
  field: string;
  messages: string[];
}

/** RFC 9457 body with the platform's stable `code`. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  correlation_id: string | null;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/**
 * Base of every service's exception class: a stable code from a closed set, turned into HTTP only
 * by {@link ProblemFilter}. `statusOf` maps each code to its status (an exhaustive switch in the service).
 */
export class DomainException<TCode extends string = string> extends Error {
  constructor(
    readonly code: TCode,
    readonly status: number,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly errors?: FieldError[],
  ) {
    super(detail ?? code);
    this.name = 'DomainException';
  }
}

/** Codes of the problems the shared HTTP layer itself produces. */
export type HttpLayerCode =
  | 'validation_failed' | 'malformed_request' | 'not_found' | 'method_not_allowed' | 'unsupported_media_type'
  | 'payload_too_large' | 'unauthorized' | 'forbidden' | 'conflict' | 'rate_limited' | 'service_unavailable' | 'internal_error';

function codeForStatus(status: number): HttpLayerCode {
  switch (status) {
    case 400: return 'malformed_request';
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 422: return 'validation_failed';
    case 429: return 'rate_limited';
    case 503: return 'service_unavailable';
    default: return status >= 500 ? 'internal_error' : 'malformed_request';
  }
}

function titleOf(code: string): string {
  const t = code.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function problem(status: number, code: string, detail?: string, extra: Partial<ProblemBody> = {}): ProblemBody {
  return {
    type: `https://docs.wozamali.co.za/problems/${code.replace(/_/g, '-')}`,
    title: titleOf(code),
    status,
    code,
    ...(detail ? { detail } : {}),
    correlation_id: requestContext.requestId(),
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): void {
  void reply.status(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
}

/**
 * A database that could not be reached, or refused a connection for load (not an error in the
 * request): pg-pool's connect timeouts, a refused or reset connection, too many connections, the
 * server shutting down or starting up.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && ['53300', '57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET'].includes(e.code)) return true;
  return typeof e.message === 'string' && /Connection terminated due to connection timeout|timeout exceeded when trying to connect/.test(e.message);
}

/** Maps any error to `application/problem+json`. Unknown errors are a 500 that leaks nothing. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendProblem(reply, this.toProblem(exception));
  }

  toProblem(exception: unknown): ProblemBody {
    if (exception instanceof DomainException) {
      return problem(exception.status, exception.code, exception.detail, { ...exception.extensions, ...(exception.errors ? { errors: exception.errors } : {}) });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse() as string | { message?: unknown; code?: string; errors?: FieldError[] };
      const detail = typeof response === 'string' ? response : Array.isArray(response.message) ? response.message.join('; ') : String(response.message ?? exception.message);
      const code = typeof response === 'object' && response.code ? response.code : codeForStatus(status);
      return problem(status, code, detail, typeof response === 'object' && response.errors ? { errors: response.errors } : {});
    }
    // Fastify's own errors (bad JSON, body too large, wrong content type) carry a 4xx statusCode.
    const fst = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fst?.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
      const code = fst.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
        : fst.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large'
          : fst.statusCode === 400 ? 'malformed_request' : codeForStatus(fst.statusCode);
      return problem(fst.statusCode, code, fst.message);
    }
    if (isDatabaseUnavailable(exception)) {
      // Nothing was decided: the request never reached the database (or the server refused it). Say
      // so, so the caller retries with the same Idempotency-Key instead of treating it as a failure.
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return problem(HttpStatus.SERVICE_UNAVAILABLE, 'service_unavailable', 'The database could not be reached in time; retry with the same Idempotency-Key.', { retry_after_seconds: 1 });
    }
    this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    return problem(HttpStatus.INTERNAL_SERVER_ERROR, 'internal_error', 'An unexpected error occurred.');
  }
}
