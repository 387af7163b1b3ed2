import { createServer } from 'node:http';

// The HTTP floor: the least a Node server can do per request, a fixed small JSON body.
const body = JSON.stringify({ id: 'resp-1', cost: 1, balance: { available: 1000 } });
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
