// Parses TransactionData bytes with the official SDK's BCS schema and prints
// them as indented JSON, one document per input, for readable test diffs.
//
// Usage: node dump.mjs '["<base64>", ...]'   Output: JSON array of strings.
import { bcs } from "@mysten/sui/bcs";
import { fromBase64, toHex } from "@mysten/bcs";

const show = (b64) => {
  try {
    const data = bcs.TransactionData.parse(fromBase64(b64));
    return JSON.stringify(data, (key, value) => {
      if (key === "$kind") return undefined;
      if (key === "bytes" && typeof value === "string") return toHex(fromBase64(value)); // Pure inputs
      return value;
    }, 1);
  } catch (err) {
    return `unparseable: ${err.message}`;
  }
};
console.log(JSON.stringify(JSON.parse(process.argv[2]).map(show)));
