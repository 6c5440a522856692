// Benchmark receiver (a child process, so it does not share the dispatcher's CPU): answers 204 at
// once and reports each first receipt (webhook-id, receive time) to the parent in batches.
'use strict';
const http = require('node:http');

const seen = new Set();
let batch = [];
let duplicates = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const id = req.headers['webhook-id'];
    if (seen.has(id)) duplicates += 1;
    else {
      seen.add(id);
      batch.push([id, at]);
    }
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
setInterval(() => {
  if (batch.length) {
    process.send({ kind: 'received', items: batch, duplicates });
    batch = [];
  }
}, 50);
server.listen(0, '127.0.0.1', () => process.send({ kind: 'ready', port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stop') server.close(() => process.exit(0));
});
