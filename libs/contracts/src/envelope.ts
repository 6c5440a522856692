import { isUuid, uuidv7 } from './uuid';

/** The envelope every event travels in (DESIGN.md §3): one Kafka message each. */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  /** UUIDv7 of the event; consumers dedupe on it (inbox) and webhooks send it as `webhook-id`. */
  id: string;
  /** Event type, e.g. `wallet_update`. */
  type: TType;
  /** Version of the type's `data` schema. */
  version: number;
  /** Service that published it, e.g. `wallet-service`. */
  source: string;
  /** When the state change happened (ISO 8601, UTC). */
  occurred_at: string;
  /** The user the event is about (also the Kafka key), when there is one. */
  subject: string | null;
  /** Request id of the call that caused it. */
  correlation_id: string | null;
  /** The type's payload. */
  data: TData;
}

export interface NewEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
  subject?: string | null;
  correlation_id?: string | null;
  version?: number;
  occurred_at?: Date;
}

export function buildEnvelope<TType extends string, TData>(source: string, event: NewEvent<TType, TData>): EventEnvelope<TType, TData> {
  return {
    id: uuidv7(),
    type: event.type,
    version: event.version ?? 1,
    source,
    occurred_at: (event.occurred_at ?? new Date()).toISOString(),
    subject: event.subject ?? null,
    correlation_id: event.correlation_id ?? null,
    data: event.data,
  };
}

/** Checks the envelope's shape (not its data); returns the problems found. */
export function envelopeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['envelope is not an object'];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  if (!isUuid(v.id)) problems.push('id must be a UUID');
  if (typeof v.type !== 'string' || v.type.length === 0) problems.push('type must be a non-empty string');
  if (!Number.isInteger(v.version)) problems.push('version must be an integer');
  if (typeof v.source !== 'string') problems.push('source must be a string');
  if (typeof v.occurred_at !== 'string' || Number.isNaN(Date.parse(v.occurred_at))) problems.push('occurred_at must be an ISO date');
  if (v.subject !== null && typeof v.subject !== 'string') problems.push('subject must be a string or null');
  if (typeof v.data !== 'object' || v.data === null) problems.push('data must be an object');
  return problems;
}
