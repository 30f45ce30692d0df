// s3rver (from the npm registry) on 127.0.0.1 for DuckPond's tests.
//   node s3rver.js --dir DIR --bucket B
// Prints "PORT <n>" once listening; stops when its stdin closes. s3rver
// checks no signatures and ignores If-None-Match: plain reads, writes,
// listings and multipart uploads only.
'use strict';
const S3rver = require('s3rver');
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: args.dir,
  configureBuckets: [{name: args.bucket}],
});
server.run().then(({port}) => process.stdout.write(`PORT ${port}\n`));
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
process.stdin.resume();
