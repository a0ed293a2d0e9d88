// Runs the official SDK on a request file (argv[2]) and prints the answers as
// JSON. Each part of the request is optional:
//   layouts:       [{type, hex, value}] -> [{parsed, hex}]: our bytes parsed by
//                  the SDK's struct, and value serialized by it.
//   structTags:    [string] -> normalizeStructTag of each.
//   typeTags:      [string] -> hex of bcs.TypeTag.serialize of each.
//   dynamicFields: [{parent, type, keyHex}] -> deriveDynamicFieldID of each.
//   costs:         [{size, nShards, storagePrice, writePrice, epochs}] ->
//                  [{encodedLength, storageCost, writeCost}] as the
//                  WalrusClient computes them (client.mjs storageCost).
import { readFileSync } from "node:fs";
import { bcs } from "@mysten/sui/bcs";
import { deriveDynamicFieldID, fromHex, normalizeStructTag, toHex } from "@mysten/sui/utils";

// The SDK's generated Move structs are not exported by the package; import
// them from its files (this script runs from a folder inside the install).
const dist = "../node_modules/@mysten/walrus/dist";
const { System } = await import(`${dist}/contracts/walrus/system.mjs`);
const { Staking } = await import(`${dist}/contracts/walrus/staking.mjs`);
const { SystemStateInnerV1 } = await import(`${dist}/contracts/walrus/system_state_inner.mjs`);
const { StakingInnerV1 } = await import(`${dist}/contracts/walrus/staking_inner.mjs`);
const { StakingPool } = await import(`${dist}/contracts/walrus/staking_pool.mjs`);
const { Blob } = await import(`${dist}/contracts/walrus/blob.mjs`);
const { Storage } = await import(`${dist}/contracts/walrus/storage_resource.mjs`);
const { Metadata } = await import(`${dist}/contracts/walrus/metadata.mjs`);
const { Balance } = await import(`${dist}/contracts/walrus/deps/sui/balance.mjs`);
const { Field } = await import(`${dist}/utils/bcs.mjs`);
const { encodedBlobLength, storageUnitsFromSize } = await import(`${dist}/utils/index.mjs`);

const structs = {
	System,
	Staking,
	SystemStateInnerV1,
	StakingInnerV1,
	StakingPool,
	Blob,
	Storage,
	Metadata,
	Coin: bcs.struct("Coin", { id: bcs.Address, balance: Balance }),
	SystemInnerField: Field(bcs.u64(), SystemStateInnerV1),
	StakingInnerField: Field(bcs.u64(), StakingInnerV1),
	MetadataField: Field(bcs.vector(bcs.u8()), Metadata),
};

const req = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = {};

if (req.layouts) {
	out.layouts = req.layouts.map(({ type, hex, value }) => {
		const s = structs[type];
		if (!s) throw new Error(`unknown struct ${type}`);
		return { parsed: s.parse(fromHex(hex)), hex: toHex(s.serialize(value).toBytes()) };
	});
}
if (req.structTags) out.structTags = req.structTags.map((t) => normalizeStructTag(t));
if (req.typeTags) out.typeTags = req.typeTags.map((t) => toHex(bcs.TypeTag.serialize(t).toBytes()));
if (req.dynamicFields) {
	out.dynamicFields = req.dynamicFields.map(({ parent, type, keyHex }) =>
		deriveDynamicFieldID(parent, type, fromHex(keyHex)),
	);
}
if (req.costs) {
	out.costs = req.costs.map(({ size, nShards, storagePrice, writePrice, epochs }) => {
		const encoded = encodedBlobLength(size, nShards);
		const units = BigInt(storageUnitsFromSize(encoded));
		return {
			encodedLength: String(encoded),
			storageCost: String(units * BigInt(storagePrice) * BigInt(epochs)),
			writeCost: String(units * BigInt(writePrice)),
		};
	});
}

process.stdout.write(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
