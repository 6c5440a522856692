export * from './uuid';
export * from './topics';
export * from './envelope';
export * from './events';
export * from './wallet-api';
export * as openapi from './openapi-schema';
export type { DeclaredResponse } from './openapi-schema';
