import fs from 'node:fs';
import path from 'node:path';

// The example alert rules (infra/prometheus/alerts.yml) must name metrics the services really
// serve: an alert on a misspelt metric never fires.
const root = path.resolve(__dirname, '../../..');

function registeredMetrics(): Set<string> {
  const names = new Set<string>(['up']);
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory() && !['node_modules', 'dist', 'test'].includes(entry.name)) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/\.(?:gauge|counter|histogram)\(\s*'([a-z_]+)'/g)) names.add(m[1]!);
      }
    }
  };
  walk(path.join(root, 'apps'));
  walk(path.join(root, 'libs'));
  return names;
}

it('every alert expression names metrics that a service registers', () => {
  const rules = fs.readFileSync(path.join(root, 'infra/prometheus/alerts.yml'), 'utf8');
  const exprs = [...rules.matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]!);
  expect(exprs.length).toBeGreaterThanOrEqual(5);
  const known = registeredMetrics();
  const promql = new Set(['increase', 'max', 'by', 'rate', 'sum']);
  const unknown = exprs.flatMap((e) => [...e.replace(/\{[^}]*\}|\[[^\]]*\]|"[^"]*"/g, '').matchAll(/[a-z_][a-z0-9_]*/g)].map((m) => m[0]))
    .filter((name) => !promql.has(name) && !['service'].includes(name) && !known.has(name));
  expect(unknown).toEqual([]);
  for (const metric of ['inbox_dead_lettered_total', 'inbox_consumer_lag', 'outbox_oldest_unpublished_seconds', 'webhook_delivery_attempts_total']) {
    expect(exprs.some((e) => e.includes(metric))).toBe(true);
  }
});
