import { startPartner } from './partner';

// `WOZAMALI_URL=http://127.0.0.1:8080 WOZAMALI_ADMIN_KEY=wm_live_… node examples/partner-integration/dist/main.js`
// (after `npm run build`): runs until Ctrl-C, printing each verified event, then cleans up.
async function main(): Promise<void> {
  const adminKey = process.env.WOZAMALI_ADMIN_KEY;
  if (!adminKey) throw new Error('set WOZAMALI_ADMIN_KEY (and WOZAMALI_URL)');
  const partner = await startPartner({
    baseUrl: process.env.WOZAMALI_URL ?? 'http://127.0.0.1:8080',
    adminKey,
    serviceId: process.env.PARTNER_SERVICE_ID ?? 'notify-example',
    heartbeatMs: Number(process.env.PARTNER_HEARTBEAT_MS ?? 30_000),
    onEvent: (e) => console.log(`[partner] ${e.type} ${e.id} ${JSON.stringify(e.data)}`),
  });
  console.log(`[partner] ready registration=${partner.registrationId} endpoint=${partner.endpointId}`);
  const stop = () => { partner.stop().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); }); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
