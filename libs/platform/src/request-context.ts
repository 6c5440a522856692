import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  enter(ctx: RequestContext): void {
    storage.enterWith(ctx);
  },
  /** The current request id (the correlation id of every log line and event), if any. */
  requestId(): string | null {
    return storage.getStore()?.requestId ?? null;
  },
};
