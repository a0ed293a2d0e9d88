// Encodes many blobs with the official Walrus encoder in one node process, for
// TestOfficialEncoderCrossCheck (oracle_test.go).
//
//   node oracle_batch.mjs ORACLE_DIR MANIFEST
//
// ORACLE_DIR is an installed copy of the oracle (../shared/oracle with its
// node_modules); its lib.mjs gives access to the SDK's own wasm bindings.
// MANIFEST is JSON: {"cases": [{"name", "n", "input", "output", "digests"}]}.
// For each case, in order, it reads the blob from the file `input`, encodes it
// with the SDK's encodeBlob, and writes to the file `output` a sequence of
// frames, each a u32 little-endian length and that many bytes:
//
//   metadata BCS, then for each pair p = 0..n-1: primary sliver BCS, secondary sliver BCS
//
// With "digests" set, the sliver frames hold the SHA-256 of the sliver BCS
// instead of the BCS itself (the metadata stays whole). Once the file is
// complete it prints one JSON line on stdout:
//
//   {"name", "ok": true, "blob_id", "root_hash", "symbol_size", "ms"}
//   {"name", "ok": false, "error"}      when the SDK rejects the blob
//
// Anything else (a missing file, a broken manifest) ends the process with a
// non-zero status.

import { createHash } from 'node:crypto';
import { openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [oracleDir, manifestPath] = process.argv.slice(2);
if (!oracleDir || !manifestPath) {
	console.error('usage: node oracle_batch.mjs ORACLE_DIR MANIFEST');
	process.exit(2);
}
const { sdk, hex } = await import(pathToFileURL(join(oracleDir, 'lib.mjs')).href);
const { cases } = JSON.parse(readFileSync(manifestPath, 'utf8'));

function frame(fd, bytes) {
	const len = Buffer.alloc(4);
	len.writeUInt32LE(bytes.length);
	writeSync(fd, len);
	writeSync(fd, bytes);
}

const sha256 = (b) => createHash('sha256').update(b).digest();

for (const c of cases) {
	const bytes = new Uint8Array(readFileSync(c.input));
	const t0 = performance.now();
	let enc;
	try {
		enc = sdk.encodeBlob(c.n, bytes);
	} catch (e) {
		console.log(JSON.stringify({ name: c.name, ok: false, error: String(e?.message ?? e) }));
		continue;
	}
	const ms = performance.now() - t0;
	const fd = openSync(c.output, 'w');
	frame(fd, sdk.BlobMetadata.serialize(enc.metadata).toBytes());
	for (let p = 0; p < c.n; p++) {
		for (const s of [enc.primarySlivers[p], enc.secondarySlivers[p]]) {
			frame(fd, c.digests ? sha256(s) : s);
		}
	}
	closeSync(fd);
	const symbolSize = sdk.SliverData.parse(enc.primarySlivers[0]).symbols.symbol_size;
	console.log(
		JSON.stringify({
			name: c.name,
			ok: true,
			blob_id: enc.blobId,
			root_hash: hex(enc.rootHash),
			symbol_size: symbolSize,
			ms: Math.round(ms),
		}),
	);
}
