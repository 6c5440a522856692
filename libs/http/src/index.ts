export * from './request-context';
export * from './json-logger';
export * from './problem';
export * from './validation';
export * from './metrics';
export * from './health';
export * from './platform.module';
export * from './bootstrap';
