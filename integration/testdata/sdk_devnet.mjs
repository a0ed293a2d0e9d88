// The official SDKs against a `walrusfs devnet`: read the blobs walrusfs
// stored, write new ones. Input: one JSON argument; output: one JSON line.
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { WalrusClient } from "@mysten/walrus";
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
const blobOf = (size) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);

const out = { read: {}, written: [] };
for (const id of cfg.readBlobIds) out.read[id] = sha(await walrus().readBlob({ blobId: id }));
for (const [i, size] of cfg.writeSizes.entries()) {
  const { blobId } = await walrus().writeBlob({ blob: blobOf(size), deletable: i % 2 === 1, epochs: 2, signer });
  out.written.push({ size, blobId, sha256: sha(blobOf(size)) });
}
console.log(JSON.stringify(out));
