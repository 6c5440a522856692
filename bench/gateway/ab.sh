#!/usr/bin/env bash
# A/B of the gateway benchmark: this checkout against a baseline commit, run in alternating order
# (B A, A B, B A, …) so that whatever else the machine does falls on both sides alike. Prints each
# run's req/s and, per series, the medians and the ratio this/baseline.
#   bash bench/gateway/ab.sh [BASELINE_COMMIT=5d7e1e9] [PAIRS=3]
# The baseline is checked out (detached) under /tmp/wozamali-ab-<commit> (AB_DIR) and installed there with `npm ci`
# once. Each side starts its own broker on its own port, so a baseline without SASL and this
# checkout with it never share one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BASE="${1:-5d7e1e9}"; PAIRS="${2:-3}"
BASE_DIR="${AB_DIR:-/tmp/wozamali-ab-$BASE}"
OUT="$ROOT/.run/gateway-ab"; mkdir -p "$OUT"
if [ ! -d "$BASE_DIR" ]; then
  git worktree add --detach "$BASE_DIR" "$BASE" > /dev/null
fi
if [ ! -f "$BASE_DIR/apps/api-gateway/dist/main.js" ]; then
  (cd "$BASE_DIR" && npm ci --no-audit --no-fund > "$OUT/baseline-npm-ci.log" 2>&1 && npm run build > "$OUT/baseline-build.log" 2>&1)
fi
[ -f apps/api-gateway/dist/main.js ] || npm run build > "$OUT/build.log" 2>&1

one() { # side dir kafka-port log
  # A run counts when it printed its table (an older bench's exit trap may end non-zero after it);
  # its broker is stopped either way, so the next run starts on a quiet port.
  (cd "$2" && KAFKA_PORT="$3" KAFKA_CONTROLLER_PORT="$(($3 + 1))" DB_PREFIX="wozamali_gwab_$1" bash bench/gateway/run.sh) > "$4" 2>&1 || true
  (cd "$2" && KAFKA_PORT="$3" KAFKA_CONTROLLER_PORT="$(($3 + 1))" bash scripts/infra.sh down) > /dev/null 2>&1 || true
  if ! grep -q "'earn, gateway + API key'" "$4"; then echo "[ab] the $1 run failed; see $4" >&2; tail -20 "$4" >&2; exit 1; fi
  echo "[ab] $(date -u +%T) $1 done"
}
for i in $(seq 1 "$PAIRS"); do
  if [ $((i % 2)) = 1 ]; then
    one baseline "$BASE_DIR" 19192 "$OUT/baseline-$i.log"; one current "$ROOT" 19194 "$OUT/current-$i.log"
  else
    one current "$ROOT" 19194 "$OUT/current-$i.log"; one baseline "$BASE_DIR" 19192 "$OUT/baseline-$i.log"
  fi
done
node - "$OUT" "$PAIRS" "$BASE" <<'EOF'
const fs = require('node:fs');
const [dir, pairs, base] = process.argv.slice(2);
// console.table rows: │ 0 │ 'earn, gateway + API key' │ 455 │ 57 │ 1003 │ 0 │
const parse = (file) => Object.fromEntries([...fs.readFileSync(file, 'utf8').matchAll(/'([^']+)'\s*│\s*(\d+)\s*│/g)].map((m) => [m[1], Number(m[2])]));
const runs = { baseline: [], current: [] };
for (let i = 1; i <= Number(pairs); i++) for (const side of Object.keys(runs)) runs[side].push(parse(`${dir}/${side}-${i}.log`));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const rows = Object.keys(runs.current[0]).map((series) => {
  const b = runs.baseline.map((r) => r[series]).filter((x) => x !== undefined);
  const c = runs.current.map((r) => r[series]);
  const mb = median(b), mc = median(c);
  return { series, [`baseline ${base}`]: b.join(', '), current: c.join(', '), 'median ratio': b.length ? (mc / mb).toFixed(2) : 'n/a' };
});
console.log(`[ab] req/s per run, ${pairs} pairs in alternating order; ratio = median(current) / median(baseline)`);
console.table(rows);
EOF
