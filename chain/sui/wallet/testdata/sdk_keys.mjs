// For each keystore entry (base64 of flag ‖ secret, or suiprivkey1… Bech32)
// given as an argument, prints what @mysten/sui derives from it: scheme,
// hex secret and Sui address, one JSON object per line.
import { decodeSuiPrivateKey } from "@mysten/sui/cryptography";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Secp256k1Keypair } from "@mysten/sui/keypairs/secp256k1";
import { Secp256r1Keypair } from "@mysten/sui/keypairs/secp256r1";

const hex = (b) => Buffer.from(b).toString("hex");
const byFlag = { 0: ["ED25519", Ed25519Keypair], 1: ["Secp256k1", Secp256k1Keypair], 2: ["Secp256r1", Secp256r1Keypair] };
const byScheme = Object.fromEntries(Object.values(byFlag));

for (const entry of process.argv.slice(2)) {
  let scheme, secret;
  if (entry.startsWith("suiprivkey")) {
    ({ scheme, secretKey: secret } = decodeSuiPrivateKey(entry));
  } else {
    const raw = Buffer.from(entry, "base64");
    [scheme] = byFlag[raw[0]];
    secret = raw.subarray(1);
  }
  const kp = byScheme[scheme].fromSecretKey(secret);
  console.log(JSON.stringify({ scheme, secret: hex(secret), address: kp.toSuiAddress() }));
}
