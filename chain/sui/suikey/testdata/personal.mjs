// Signs "hello" as a personal message with the key 32 × 0x07, as Sui wallets
// do, and prints the serialized signature (base64).
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
const k = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(7));
const { signature } = await k.signPersonalMessage(new TextEncoder().encode("hello"));
console.log(signature);
