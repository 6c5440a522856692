// The benches call the wallet-service directly, as the gateway does: with a service token of the
// gateway (development keys in .run/service-keys, made when missing), renewed while the bench runs.
'use strict';
const path = require('node:path');
const { developmentServiceKeys, parseServicePrivateKey, ServiceTokenSigner } = require('../libs/auth/dist');

/** `{ authorization }` whose value is always a live token of `caller` for `audience` (a getter: spread it per request). */
async function serviceAuth(audience, caller = 'api-gateway') {
  const keys = developmentServiceKeys(path.resolve(__dirname, '..', '.run', 'service-keys'));
  const signer = new ServiceTokenSigner({ service: caller, key: parseServicePrivateKey(keys.privateKey(caller), caller) });
  let current = `Bearer ${await signer.token(audience)}`;
  setInterval(() => { signer.token(audience).then((t) => { current = `Bearer ${t}`; }, () => undefined); }, 5000).unref();
  return { get authorization() { return current; } };
}

module.exports = { serviceAuth };
