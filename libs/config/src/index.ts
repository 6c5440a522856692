export * from './validate-env';
export * from './common-env';
export * from './kafka-credentials';
export * from './plant';
