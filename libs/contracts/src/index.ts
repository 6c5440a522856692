export * from './uuid';
export * from './topics';
export * from './envelope';
export * from './events';
export * from './wallet-api';
