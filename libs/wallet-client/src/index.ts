export * from './wallet-client';
