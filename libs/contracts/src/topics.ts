/** Kafka topics, one per publishing domain (DESIGN.md §3), keyed by user id. */
export const Topics = {
  wallet: 'wozamali.wallet.events',
  rewards: 'wozamali.rewards.events',
  donations: 'wozamali.donations.events',
  withdrawals: 'wozamali.withdrawals.events',
  metrics: 'wozamali.metrics.events',
  webhooks: 'wozamali.webhooks.events',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Dead-letter topic of a topic: messages that kept failing, with the error in their headers. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Partition counts used when the topics are created (scripts/kafka-topics.js). */
export const TOPIC_PARTITIONS = 6;

/** Every topic the platform uses, with its dead-letter twin. */
export function allTopics(): { topic: string; numPartitions: number }[] {
  return Object.values(Topics).flatMap((topic) => [
    { topic, numPartitions: TOPIC_PARTITIONS },
    { topic: dlqTopic(topic), numPartitions: 1 },
  ]);
}

/**
 * The Green Scholar Fund: a donation campaign that exists from the start (DOMAIN.md). Its money
 * lives in the wallet ledger as a campaign account; the donations-service owns its definition.
 */
export const GREEN_SCHOLAR_FUND_CAMPAIGN_ID = '00000000-0000-7000-8000-000000000001';
