// A HydroVu stand-in for DuckPond's tests, on 127.0.0.1: the documented
// endpoints, served from fixture data held in memory.
//   node standin.js --fixture F.json --client-id ID --client-secret S [--page-size N]
//                   [--fail-once-503] [--expire-first-token]
// Prints "PORT <n>"; stops when its stdin closes. Test controls:
//   POST /__add   {id, parameterId, unitId, readings: [{timestamp, value}]}
//   POST /__delay {ms}     delay every data answer
// Fixture: {names: {parameters: {...}, units: {...}},
//           devices: {"<id>": [{parameterId, unitId, readings: [...]}]}}
'use strict';
const http = require('http');
const fs = require('fs');

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i].slice(2);
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args[a] = true; else { args[a] = next; i++; }
}
const fixture = JSON.parse(fs.readFileSync(args.fixture, 'utf8'));
const pageSize = Number(args['page-size'] || 10);
let fail503 = Boolean(args['fail-once-503']);
let expireFirst = Boolean(args['expire-first-token']);
let delay = 0;
let tokens = 0;
const valid = new Set();

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, Object.assign({'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)}, headers));
  res.end(text);
}

function data(res, id, start, pageHeader) {
  const params = fixture.devices[id];
  if (!params) return json(res, 404, {message: 'no such location'});
  const times = [...new Set(params.flatMap((p) => p.readings.map((r) => r.timestamp)).filter((t) => t >= start))].sort((a, b) => a - b);
  const page = Number(pageHeader || 0);
  const window = new Set(times.slice(page * pageSize, (page + 1) * pageSize));
  const body = {locationId: Number(id), parameters: params.map((p) => ({
    parameterId: p.parameterId, unitId: p.unitId, customParameter: false,
    readings: p.readings.filter((r) => window.has(r.timestamp)),
  })).filter((p) => p.readings.length)};
  const headers = (page + 1) * pageSize < times.length ? {'x-isi-next-page': String(page + 1)} : {};
  setTimeout(() => json(res, 200, body, headers), delay);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url, 'http://x');
    if (req.method === 'POST' && url.pathname === '/__add') {
      const add = JSON.parse(body);
      const params = fixture.devices[add.id] || (fixture.devices[add.id] = []);
      let p = params.find((q) => q.parameterId === add.parameterId && q.unitId === add.unitId);
      if (!p) params.push(p = {parameterId: add.parameterId, unitId: add.unitId, readings: []});
      p.readings.push(...add.readings);
      return json(res, 200, {});
    }
    if (req.method === 'POST' && url.pathname === '/__delay') {
      delay = JSON.parse(body).ms;
      return json(res, 200, {});
    }
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== args['client-id'] ||
          form.get('client_secret') !== args['client-secret'] || !(form.get('scope') || '').includes('read:data')) {
        return json(res, 401, {message: 'Bad credentials'});
      }
      const token = `t${++tokens}`;
      valid.add(token);
      return json(res, 200, {access_token: token, token_type: 'bearer', expires_in: 3600});
    }
    const token = (req.headers.authorization || '').replace(/^Bearer /, '');
    if (!valid.has(token)) return json(res, 401, {message: 'Unauthorized'});
    if (url.pathname === '/v1/sispec/friendlynames') return json(res, 200, fixture.names);
    const m = /^\/v1\/locations\/(\d+)\/data$/.exec(url.pathname);
    if (m) {
      if (expireFirst && token === 't1') {
        expireFirst = false;
        valid.delete('t1');
        return json(res, 401, {message: 'token expired'});
      }
      if (fail503) {
        fail503 = false;
        return json(res, 503, {message: 'try again'});
      }
      return data(res, m[1], Number(url.searchParams.get('startTime') || 0), req.headers['x-isi-start-page']);
    }
    return json(res, 404, {message: 'not found'});
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
