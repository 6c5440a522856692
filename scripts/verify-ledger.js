#!/usr/bin/env node
// Recomputes every wallet balance from the postings (the same check as GET /v1/admin/ledger/verify)
// and exits non-zero on any mismatch. `npm test` runs it after the whole suite.
'use strict';
const { Client } = require('pg');
const { databaseName, databaseUrl } = require('../libs/database/dist');

(async () => {
  const database = databaseName(process.env.DB_PREFIX || 'wozamali', 'wallet-service');
  const client = new Client({ connectionString: databaseUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', database) });
  await client.connect();
  try {
    const mismatches = await client.query(`
      with sums as (select account_id, sum(amount) as s, sum(amount) filter (where counts_lifetime) as l from postings group by account_id),
           h as (select account_id, sum(amount) as s from holds where status = 'pending' group by account_id)
      select a.id, a.owner_type, a.asset, a.balance, coalesce(sums.s, 0) as computed, a.held, coalesce(h.s, 0) as computed_held
        from accounts a left join sums on sums.account_id = a.id left join h on h.account_id = a.id
       where (a.cached and (a.balance <> coalesce(sums.s, 0) or a.held <> coalesce(h.s, 0))) or a.lifetime_earned <> coalesce(sums.l, 0)
          or (not a.allow_negative and (a.balance < 0 or a.held > a.balance))`);
    const unbalanced = await client.query('select transfer_id, asset, sum(amount) from postings group by 1, 2 having sum(amount) <> 0');
    const counts = await client.query('select (select count(*) from accounts)::int as accounts, (select count(*) from transfers)::int as transfers, (select count(*) from postings)::int as postings');
    const { accounts, transfers, postings } = counts.rows[0];
    if (mismatches.rowCount || unbalanced.rowCount) {
      console.error(`[verify-ledger] ${database}: ${mismatches.rowCount} account mismatches, ${unbalanced.rowCount} unbalanced transfers`);
      console.error(JSON.stringify([...mismatches.rows, ...unbalanced.rows].slice(0, 20), null, 2));
      process.exit(1);
    }
    console.log(`[verify-ledger] ${database}: ok — ${accounts} accounts, ${transfers} transfers, ${postings} postings, 0 mismatches`);
  } finally {
    await client.end();
  }
})().catch((err) => {
  console.error('[verify-ledger] failed:', err.message);
  process.exit(1);
});
