// A small S3 server for DuckPond's tests: objects in memory, one bucket,
// and what s3rver does not do: it checks every request's SigV4 signature
// (its own implementation, independent of DuckPond's) and honours
// If-None-Match: * on PUT and on completing a multipart upload.
//
//   node strict_s3.js --bucket B --access-key K --secret S [--port 0] [--fail-puts N] [--max-keys N]
//
// Prints "PORT <n>" once listening on 127.0.0.1. --fail-puts N answers the
// first N PUTs with 503 SlowDown (to test retries).
'use strict';
const http = require('http');
const crypto = require('crypto');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const bucket = args.bucket;
const accessKey = args['access-key'];
const secret = args.secret;
let failPuts = Number(args['fail-puts'] || 0);
const pageSize = Number(args['max-keys'] || 1000);  // --max-keys N: short listing pages

const objects = new Map();  // key -> {body: Buffer, modified: Date, etag}
const uploads = new Map();  // uploadId -> {key, parts: Map<number, Buffer>}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const encode = (s, keepSlash) =>
  Array.from(Buffer.from(s, 'utf8')).map((b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) return c;
    return '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }).join('');
const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function send(res, status, body, headers = {}) {
  res.writeHead(status, Object.assign({'Content-Length': Buffer.byteLength(body || '')}, headers));
  res.end(body || '');
}
function error(res, status, code, message) {
  send(res, status, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error>`, {'Content-Type': 'application/xml'});
}

// The signature check: null when sound, else [status, code, message].
function checkSignature(req, rawPath, query, body) {
  const auth = req.headers['authorization'] || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [403, 'AccessDenied', 'missing or malformed Authorization'];
  const [, key, day, region, signedHeaders, signature] = m;
  if (key !== accessKey) return [403, 'InvalidAccessKeyId', 'unknown access key'];
  const date = req.headers['x-amz-date'] || '';
  if (date.slice(0, 8) !== day) return [403, 'AccessDenied', 'x-amz-date does not match the scope'];
  const payload = req.headers['x-amz-content-sha256'];
  if (!payload) return [400, 'InvalidRequest', 'missing x-amz-content-sha256'];
  if (payload !== 'UNSIGNED-PAYLOAD' && payload !== sha256(body)) {
    return [400, 'XAmzContentSHA256Mismatch', 'the body does not have the SHA-256 it was signed with'];
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return [403, 'AccessDenied', 'host is not signed'];
  const canonicalHeaders = names.map((n) => {
    const v = req.headers[n];
    if (v === undefined) return null;
    return n + ':' + String(v).trim().replace(/\s+/g, ' ') + '\n';
  });
  if (canonicalHeaders.includes(null)) return [403, 'AccessDenied', 'a signed header is missing'];
  const path = rawPath.split('/').map((seg) => encode(decodeURIComponent(seg), false)).join('/');
  const q = query.map(([k, v]) => [encode(k, false), encode(v, false)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => k + '=' + v).join('&');
  const canonical = [req.method, path, q, canonicalHeaders.join(''), signedHeaders, payload].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let k = hmac('AWS4' + secret, day);
  k = hmac(k, region);
  k = hmac(k, 's3');
  k = hmac(k, 'aws4_request');
  const want = hmac(k, toSign).toString('hex');
  if (want !== signature) {
    return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'];
  }
  return null;
}

function listV2(res, query) {
  const get = (name) => (query.find(([k]) => k === name) || [])[1];
  const prefix = get('prefix') || '';
  const max = Math.min(Number(get('max-keys') || 1000), pageSize);
  const after = get('continuation-token') ? Buffer.from(get('continuation-token'), 'base64').toString() : '';
  const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = keys.slice(0, max);
  const truncated = keys.length > max;
  let xml = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>` +
    `<MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>`;
  for (const k of page) {
    const o = objects.get(k);
    xml += `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.modified.toISOString()}</LastModified>` +
      `<ETag>${o.etag}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  }
  if (truncated) xml += `<NextContinuationToken>${Buffer.from(page[page.length - 1]).toString('base64')}</NextContinuationToken>`;
  send(res, 200, xml + '</ListBucketResult>', {'Content-Type': 'application/xml'});
}

function put(key, body) {
  const etag = '"' + crypto.createHash('md5').update(body).digest('hex') + '"';
  objects.set(key, {body, modified: new Date(), etag});
  return etag;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const q = req.url.indexOf('?');
    const rawPath = q < 0 ? req.url : req.url.slice(0, q);
    const query = q < 0 ? [] : req.url.slice(q + 1).split('&').filter((s) => s).map((p) => {
      const e = p.indexOf('=');
      return e < 0 ? [decodeURIComponent(p), ''] : [decodeURIComponent(p.slice(0, e)), decodeURIComponent(p.slice(e + 1))];
    });
    const bad = checkSignature(req, rawPath, query, body);
    if (bad) return error(res, ...bad);
    const parts = decodeURIComponent(rawPath).split('/');  // '', bucket, key...
    if (parts[1] !== bucket) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    const key = parts.slice(2).join('/');
    const has = (name) => query.some(([k]) => k === name);
    const param = (name) => (query.find(([k]) => k === name) || [])[1];
    if (key === '') {
      if (req.method === 'GET' && param('list-type') === '2') return listV2(res, query);
      return error(res, 400, 'InvalidRequest', 'unsupported bucket operation');
    }
    const ifNoneMatch = req.headers['if-none-match'] === '*';
    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        const o = objects.get(key);
        if (!o) return req.method === 'HEAD' ? send(res, 404, '') : error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        const headers = {'Last-Modified': o.modified.toUTCString(), ETag: o.etag, 'Accept-Ranges': 'bytes'};
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range || '');
        if (range && req.method === 'GET') {
          const from = Number(range[1]);
          const to = Math.min(Number(range[2]), o.body.length - 1);
          const slice = o.body.subarray(from, to + 1);
          headers['Content-Range'] = `bytes ${from}-${to}/${o.body.length}`;
          res.writeHead(206, Object.assign({'Content-Length': slice.length}, headers));
          return res.end(slice);
        }
        res.writeHead(200, Object.assign({'Content-Length': o.body.length}, headers));
        return res.end(req.method === 'HEAD' ? undefined : o.body);
      }
      case 'PUT': {
        if (failPuts > 0) {
          failPuts--;
          return error(res, 503, 'SlowDown', 'Please reduce your request rate.');
        }
        if (has('uploadId')) {
          const u = uploads.get(param('uploadId'));
          if (!u) return error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
          u.parts.set(Number(param('partNumber')), body);
          return send(res, 200, '', {ETag: '"' + crypto.createHash('md5').update(body).digest('hex') + '"'});
        }
        if (ifNoneMatch && objects.has(key)) return error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        return send(res, 200, '', {ETag: put(key, body)});
      }
      case 'POST': {
        if (has('uploads')) {
          const id = crypto.randomBytes(12).toString('hex');
          uploads.set(id, {key, parts: new Map()});
          return send(res, 200, `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>${bucket}</Bucket>` +
            `<Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
        }
        if (has('uploadId')) {
          const u = uploads.get(param('uploadId'));
          if (!u) return error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
          const numbers = [...body.toString().matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
          if (numbers.some((n) => !u.parts.has(n))) return error(res, 400, 'InvalidPart', 'a part is missing');
          if (ifNoneMatch && objects.has(key)) return error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
          const etag = put(key, Buffer.concat(numbers.map((n) => u.parts.get(n))));
          uploads.delete(param('uploadId'));
          return send(res, 200, `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Key>${xmlEscape(key)}</Key><ETag>${etag}</ETag></CompleteMultipartUploadResult>`);
        }
        return error(res, 400, 'InvalidRequest', 'unsupported POST');
      }
      case 'DELETE':
        if (has('uploadId')) {
          uploads.delete(param('uploadId'));
          return send(res, 204, '');
        }
        objects.delete(key);
        return send(res, 204, '');
      default:
        return error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed');
    }
  });
});

server.listen(Number(args.port || 0), '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));  // the test closed our stdin: stop
process.stdin.resume();
