/**
 * The outbox and inbox tables every service has (DESIGN.md §3). A service's first migration runs
 * {@link MESSAGING_TABLES_UP}; they are part of the service's own database.
 */
export const OUTBOX_CHANNEL = 'outbox_new';
// No NOTIFY inside the business transaction: PostgreSQL serialises the commits of every transaction
// that notifies (a database-wide lock held through the commit), which would cap writes at one WAL
// flush at a time. Writers call OutboxNotifier.poke() after commit instead.

export const MESSAGING_TABLES_UP: readonly string[] = [
  `create table outbox (
     seq bigserial primary key,
     id uuid not null unique,
     topic text not null,
     key text,
     type text not null,
     payload jsonb not null,
     headers jsonb not null default '{}'::jsonb,
     created_at timestamptz not null default now(),
     published_at timestamptz
   )`,
  // The relay reads only what is not published yet, in commit-visible sequence order.
  `create index outbox_unpublished_idx on outbox (seq) where published_at is null`,
  `create table inbox (
     consumer text not null,
     event_id uuid not null,
     event_type text not null,
     processed_at timestamptz not null default now(),
     primary key (consumer, event_id)
   )`,
];

export const MESSAGING_TABLES_DOWN: readonly string[] = [
  'drop table if exists inbox',
  'drop table if exists outbox',
];
