// The official encoder as a one-shot command, the counterpart of a fresh
// `walrusfs blob-id FILE` process: loads @mysten/walrus's wasm bindings the
// way the SDK does, reads FILE and prints its blob ID at n_shards = 1000
// (computeMetadata, which encodes the blob and hashes every sliver).
//
//   node official-blob-id.mjs ORACLE_DIR FILE
//
// ORACLE_DIR is the installed oracle (.cache/oracle), whose node_modules hold
// the SDK. Only the SDK's wasm module is loaded, not the oracle's helpers, so
// that the official side pays no start-up it would not pay on its own.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [oracleDir, file] = process.argv.slice(2);
if (!oracleDir || !file) {
	console.error('usage: node official-blob-id.mjs ORACLE_DIR FILE');
	process.exit(2);
}
const require = createRequire(join(resolve(oracleDir), 'package.json'));
// The package exports only its root; wasm.mjs sits beside it in dist/.
const dist = dirname(require.resolve('@mysten/walrus'));
const { getWasmBindings } = await import(pathToFileURL(join(dist, 'wasm.mjs')).href);
const bindings = await getWasmBindings();
const { blobId } = bindings.computeMetadata(1000, readFileSync(file));
console.log(`${blobId}  ${file}`);
