// The official SDK and walrusfs's quilts, against a `walrusfs devnet`: read
// the files of quilts walrusfs stored (reads: [{quiltId, patchIds}]) by
// their patch IDs, and store files as a quilt of the SDK's own (writeFiles). Input: one JSON argument;
// output: one JSON line.
//
// The SDK 1.2.13 reads a patch from secondary slivers wrongly when the
// read starts mid-column and spills into one more column (it comes back
// with zeros; see ../shared/oracle/quilt/README.md §5). Reading the quilt
// blob first makes its reader take every patch from the whole blob, its
// correct path; the sliver path is reported too.
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { WalrusClient, WalrusFile } from "@mysten/walrus";
import { createHash } from "node:crypto";

const cfg = JSON.parse(process.argv[2]);
const signer = Ed25519Keypair.fromSecretKey(Uint8Array.from(Buffer.from(cfg.secretHex, "hex")));
const walrus = () =>
  new WalrusClient({
    packageConfig: { systemObjectId: cfg.system, stakingPoolId: cfg.staking },
    suiClient: new SuiGrpcClient({ network: "localnet", baseUrl: cfg.baseUrl }),
    storageNodeUrlScheme: "http",
  });
const sha = (b) => createHash("sha256").update(b).digest("hex");
const contents = (size, seed) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed) & 0xff);

const out = { blobPath: {}, sliverPath: {}, written: [] };
for (const { quiltId, patchIds } of cfg.reads) {
  const [whole, ...viaBlob] = await walrus().getFiles({ ids: [quiltId, ...patchIds] });
  await whole.bytes();
  for (const [i, f] of viaBlob.entries()) {
    out.blobPath[patchIds[i]] = { identifier: await f.getIdentifier(), sha256: sha(await f.bytes()) };
  }
  for (const [i, f] of (await walrus().getFiles({ ids: patchIds })).entries()) {
    out.sliverPath[patchIds[i]] = { identifier: await f.getIdentifier(), sha256: sha(await f.bytes()) };
  }
}
const files = cfg.write.map((w, i) =>
  WalrusFile.from({ contents: contents(w.size, i), identifier: w.identifier, tags: { n: String(i) } }),
);
const refs = await walrus().writeFiles({ files, epochs: 2, deletable: true, signer });
for (const r of refs) {
  const [f] = await walrus().getFiles({ ids: [r.id] });
  out.written.push({ id: r.id, quiltId: r.blobId, identifier: await f.getIdentifier() });
}
console.log(JSON.stringify(out));
