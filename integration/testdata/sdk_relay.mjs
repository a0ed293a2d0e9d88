// The official SDK storing blobs through an upload relay (`walrusfs serve
// --upload-relay`) against a `walrusfs devnet`: the SDK registers and
// certifies on the devnet's Sui face, the relay uploads. Input: one JSON
// argument {baseUrl, system, staking, secretHex, relay, writes: [{size,
// seed, deletable, sendTip}]}; output: one JSON line {written: [{blobId,
// objectId, sha256}]}. With sendTip the SDK asks the relay's tip config
// ("no_tip") and sends tx_id and nonce; without, only blob_id.
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { WalrusClient } from "@mysten/walrus";
import { createHash } from "node:crypto";

const cfg = JSON.parse(process.argv[2]);
const signer = Ed25519Keypair.fromSecretKey(Uint8Array.from(Buffer.from(cfg.secretHex, "hex")));
const walrus = (sendTip) =>
  new WalrusClient({
    packageConfig: { systemObjectId: cfg.system, stakingPoolId: cfg.staking },
    suiClient: new SuiGrpcClient({ network: "localnet", baseUrl: cfg.baseUrl }),
    storageNodeUrlScheme: "http",
    uploadRelay: sendTip ? { host: cfg.relay, sendTip: { max: 1000 } } : { host: cfg.relay },
  });
const contents = (size, seed) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed * 7) & 0xff);

const out = { written: [] };
for (const w of cfg.writes) {
  const blob = contents(w.size, w.seed);
  const { blobId, blobObject } = await walrus(w.sendTip).writeBlob({ blob, deletable: w.deletable, epochs: 2, signer });
  out.written.push({
    blobId,
    objectId: blobObject.id,
    certified: blobObject.certified_epoch != null,
    sha256: createHash("sha256").update(blob).digest("hex"),
  });
}
console.log(JSON.stringify(out));
