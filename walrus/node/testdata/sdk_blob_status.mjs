// Asks storage nodes for blob statuses with the official Walrus SDK's
// StorageNodeClient.getBlobStatus and prints what it parsed.
//
// argv[2]: JSON [{"url": "http://host:port", "blobId": "..."}, ...]
// stdout:  JSON [{"status": <getBlobStatus result>} | {"error": "..."}, ...]
//
// The SDK's package exports only its entry point, which does not export the
// storage-node client, so it is imported from the installed file.
const mod = await import(new URL('../node_modules/@mysten/walrus/dist/storage-node/client.mjs', import.meta.url));
const { StorageNodeClient } = mod;

const queries = JSON.parse(process.argv[2]);
const client = new StorageNodeClient({ timeout: 20_000 });
const out = [];
for (const q of queries) {
	try {
		const status = await client.getBlobStatus({ blobId: q.blobId }, { nodeUrl: q.url });
		out.push({ status });
	} catch (e) {
		out.push({ error: `${e?.constructor?.name}: ${e?.message}` });
	}
}
process.stdout.write(JSON.stringify(out));
