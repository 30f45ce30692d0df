// The AWS SDK for JavaScript as a third-party reader (and writer, for the
// benchmark) of what DuckPond stored.
//   node sdk.js list ENDPOINT BUCKET PREFIX         -> JSON array of {key, size}
//   node sdk.js sha256 ENDPOINT BUCKET KEY          -> the object's SHA-256
//   node sdk.js upload ENDPOINT BUCKET KEY FILE     -> uploads FILE (multipart as the SDK does)
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
'use strict';
const {S3Client, ListObjectsV2Command, GetObjectCommand, CreateMultipartUploadCommand,
  UploadPartCommand, CompleteMultipartUploadCommand} = require('@aws-sdk/client-s3');
const crypto = require('crypto');
const fs = require('fs');

const [cmd, endpoint, bucket, arg, file] = process.argv.slice(2);
// Checksums only when an operation requires them: plain bodies, as our
// servers expect (and the SDK at its fastest).
const client = new S3Client({endpoint, region: process.env.AWS_REGION || 'us-east-1', forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED'});

async function main() {
  if (cmd === 'list') {
    const out = [];
    let token;
    do {
      const r = await client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: arg, ContinuationToken: token}));
      for (const c of r.Contents || []) out.push({key: c.Key, size: c.Size});
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    process.stdout.write(JSON.stringify(out) + '\n');
  } else if (cmd === 'sha256') {
    const r = await client.send(new GetObjectCommand({Bucket: bucket, Key: arg}));
    const hash = crypto.createHash('sha256');
    for await (const chunk of r.Body) hash.update(chunk);
    process.stdout.write(hash.digest('hex') + '\n');
  } else if (cmd === 'upload') {
    // Multipart in 16 MiB parts, 4 at a time: the SDK at its best for a big file.
    const size = fs.statSync(file).size;
    const part = 16 << 20;
    const {UploadId} = await client.send(new CreateMultipartUploadCommand({Bucket: bucket, Key: arg}));
    const fd = fs.openSync(file, 'r');
    const etags = [];
    let next = 0;
    const count = Math.ceil(size / part);
    async function worker() {
      while (next < count) {
        const i = next++;
        const length = Math.min(part, size - i * part);
        const buf = Buffer.alloc(length);
        fs.readSync(fd, buf, 0, length, i * part);
        const r = await client.send(new UploadPartCommand({Bucket: bucket, Key: arg, UploadId, PartNumber: i + 1, Body: buf}));
        etags[i] = r.ETag;
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
    await client.send(new CompleteMultipartUploadCommand({Bucket: bucket, Key: arg, UploadId,
      MultipartUpload: {Parts: etags.map((ETag, i) => ({ETag, PartNumber: i + 1}))}}));
  } else {
    throw new Error('unknown command ' + cmd);
  }
}
main().catch((e) => { process.stderr.write(String(e && e.message || e) + '\n'); process.exit(1); });
