import { ServiceMetrics } from './metrics';

describe('ServiceMetrics', () => {
  it('a gauge whose source fails reads NaN and the rest of /metrics still answers', async () => {
    const metrics = new ServiceMetrics('test-service');
    metrics.gauge('test_ok', 'a source that answers', () => 7);
    metrics.gauge('test_failing', 'a source that fails', async () => {
      throw new Error('database down');
    });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^test_ok\{service="test-service"\} 7$/m);
    expect(text).toMatch(/^test_failing\{service="test-service"\} nan$/im); // prom-client writes "Nan"; Prometheus parses it
  });
});
