import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { DailyMetrics1764000003000 } from './1764000003000-daily-metrics';
import { MetricFacts1764400000000 } from './1764400000000-metric-facts';
import { MetricsComplete1764600000000 } from './1764600000000-metrics-complete';

/** Every migration of metrics-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, DailyMetrics1764000003000, MetricFacts1764400000000, MetricsComplete1764600000000];
