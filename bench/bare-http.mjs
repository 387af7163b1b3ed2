import { createServer } from 'node:http';
import pg from 'pg';

// The HTTP floor: the least a Node server can do per request, a fixed small JSON body. With
// FLOOR_DATABASE_URL, each request also writes one row through pg in pipeline mode and a pool of
// Tally's size: one autocommitted INSERT, the least a durable charge on PostgreSQL costs.
const body = JSON.stringify({ id: 'resp-1', cost: 1, balance: { available: 1000 } });
const url = process.env.FLOOR_DATABASE_URL;
const pool = url ? new pg.Pool({ connectionString: url, max: 10, pipeline: true }) : null;
if (pool) {
  await pool.query(`create table if not exists floor_requests (
    id bigint primary key, workspace_id text not null, cost bigint not null, at bigint not null)`);
}
let next = 0;
const insert = 'insert into floor_requests (id, workspace_id, cost, at) values ($1, $2, $3, $4)';
const answer = (response) => {
  response.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
};
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (!pool) return answer(response);
    pool.query({ name: 'floor-insert', text: insert, values: [next++, 'ws', 1000, Date.now()] }).then(
      () => answer(response),
      () => response.writeHead(500).end(),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
