export * from './schema';
export * from './outbox';
export * from './outbox-relay';
export * from './inbox-server';
export * from './kafka';
export * from './migration';
export * from './outbox-notifier';
export * from './wake-signal';
