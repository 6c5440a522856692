export * from './api-key';
export * from './permissions';
export * from './principal';
export * from './jwt';
export * from './service-token';
export * from './development-keys';
