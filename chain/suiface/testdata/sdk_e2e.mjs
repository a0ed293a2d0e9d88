// Drives a walrusfs ledger's Sui face with the official SDKs: @mysten/sui's
// SuiGrpcClient (gRPC-Web) and @mysten/walrus's WalrusClient, writing,
// reading, extending, re-attributing and deleting blobs. Input: one JSON
// argument; output: one JSON line the Go test checks.
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { WalrusClient } from "@mysten/walrus";
import { createHash } from "node:crypto";

const cfg = JSON.parse(process.argv[2]);
const signer = Ed25519Keypair.fromSecretKey(Uint8Array.from(Buffer.from(cfg.secretHex, "hex")));
const suiClient = () => new SuiGrpcClient({ network: "localnet", baseUrl: cfg.baseUrl });
const walrus = () =>
  new WalrusClient({
    packageConfig: { systemObjectId: cfg.system, stakingPoolId: cfg.staking },
    suiClient: suiClient(),
    storageNodeUrlScheme: "http",
  });
const sha = (b) => createHash("sha256").update(b).digest("hex");
const blobOf = (size) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);

const out = { address: signer.toSuiAddress(), written: [] };
const w = walrus();
for (const [i, size] of cfg.sizes.entries()) {
  const deletable = i % 2 === 1;
  const attributes = i === 0 ? { name: "first", kind: "test" } : undefined;
  const { blobId, blobObject } = await w.writeBlob({ blob: blobOf(size), deletable, epochs: 3, signer, attributes });
  out.written.push({
    size, deletable, blobId, objectId: blobObject.id.id ?? blobObject.id,
    endEpoch: blobObject.storage.end_epoch, certified: blobObject.certified_epoch !== null,
  });
}
// Read everything back through a fresh client (no cached objects or slivers).
const r = walrus();
for (const b of out.written) {
  const data = await r.readBlob({ blobId: b.blobId });
  b.readSha256 = sha(data);
  b.wantSha256 = sha(blobOf(b.size));
}
// The SDK's own verified blob status, from our storage nodes' answers.
out.verifiedStatus = {};
for (const b of out.written) out.verifiedStatus[b.blobId] = (await walrus().getVerifiedBlobStatus({ blobId: b.blobId })).type;
// Extend the first permanent blob.
const permanent = out.written.find((b) => !b.deletable);
await walrus().executeExtendBlobTransaction({ blobObjectId: permanent.objectId, epochs: 2, signer });
out.extended = { before: Number(permanent.endEpoch), after: Number((await walrus().getBlobObject(permanent.objectId)).storage.end_epoch) };
// Attributes: the first blob was written with some; change one, drop one.
const first = out.written[0];
out.attrsBefore = await walrus().readBlobAttributes({ blobObjectId: first.objectId });
await walrus().executeWriteBlobAttributesTransaction({ blobObjectId: first.objectId, attributes: { kind: "changed", name: null, extra: "x" }, signer });
out.attrsAfter = await walrus().readBlobAttributes({ blobObjectId: first.objectId });
// Delete the first deletable blob.
const del = out.written.find((b) => b.deletable);
await walrus().executeDeleteBlobTransaction({ blobObjectId: del.objectId, signer });
try {
  await walrus().getBlobObject(del.objectId);
  out.deletedGone = false;
} catch (e) {
  out.deletedGone = true;
}
out.deletedObjectId = del.objectId;
// A blob stored by walrusfs.
if (cfg.goBlobId) out.goBlobSha256 = sha(await walrus().readBlob({ blobId: cfg.goBlobId }));
// Too little WAL: a fresh key with no coins at all.
try {
  await walrus().writeBlob({ blob: blobOf(10), deletable: false, epochs: 1, signer: new Ed25519Keypair() });
  out.poorError = "";
} catch (e) {
  out.poorError = String(e.message ?? e);
}
console.log(JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
