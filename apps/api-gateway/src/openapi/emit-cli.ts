import fs from 'node:fs';
import { emitFromApp, serialise, specFile } from './service-specs';

// `node apps/api-gateway/dist/openapi/emit-cli.js <app>`: writes apps/<app>/openapi.json from its
// built controllers and DTOs (run by scripts/build.js, one process per service so that DTO class
// names of different services never meet in class-validator's global metadata).
const app = process.argv[2];
if (!app) throw new Error('usage: emit-cli <app>');
const spec = emitFromApp(app, 'dist');
fs.writeFileSync(specFile(app), serialise(spec));
console.log(`[openapi] ${app}: ${spec.operations.length} operations, ${Object.keys(spec.schemas).length} schemas`);
