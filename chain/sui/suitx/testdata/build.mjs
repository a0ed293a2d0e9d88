// Builds varied transactions with the official @mysten/sui Transaction and
// prints, per transaction, its BCS bytes, the SDK's JSON view of those bytes
// (Transaction.from(bytes).getData()) and the SDK's own proto conversion
// (transactionDataToGrpcTransaction) serialized with the SDK's generated
// proto class. "unresolved" cases are never built: their proto is what the
// SDK sends to SimulateTransaction.
import { Transaction, Inputs } from "@mysten/sui/transactions";
import { toBase64 } from "@mysten/sui/utils";

// Internal modules, absent from the package's exports map: import by path.
const dist = new URL("../node_modules/@mysten/sui/dist/", import.meta.url);
const { transactionDataToGrpcTransaction } = await import(new URL("client/transaction-resolver.mjs", dist));
const { Transaction: GrpcTransaction } = await import(new URL("grpc/proto/sui/rpc/v2/transaction.mjs", dist));

const rep = (b) => "0x" + b.repeat(32);
const digest = (n) => {
	// base58 of 32 bytes of n, via the SDK's own encoder
	return toB58(new Uint8Array(32).fill(n));
};
import { toBase58 as toB58 } from "@mysten/bcs";

const sender = rep("ab");
const pkg = rep("d2");
const wal = `${rep("e1")}::wal::WAL`;

function gas(tx, { owner = sender, price = 1000n, budget = 50_000_000n, payment } = {}) {
	tx.setSender(sender);
	tx.setGasOwner(owner);
	tx.setGasPrice(price);
	tx.setGasBudget(budget);
	tx.setGasPayment(payment ?? [{ objectId: rep("9a"), version: "6789", digest: digest(9) }]);
}

const cases = [];

{
	// Walrus-like: shared System, owned WAL coin, pures of many types,
	// split/merge/transfer, generic type arguments, NestedResult.
	const tx = new Transaction();
	gas(tx);
	const system = tx.object(Inputs.SharedObjectRef({ objectId: rep("6c"), initialSharedVersion: "400185623", mutable: true }));
	const coin = tx.object(Inputs.ObjectRef({ objectId: rep("c0"), version: "12345", digest: digest(7) }));
	const coin2 = tx.object(Inputs.ObjectRef({ objectId: rep("c1"), version: "1", digest: digest(8) }));
	tx.mergeCoins(coin, [coin2]);
	const [write, storage] = tx.splitCoins(coin, [tx.pure.u64(1260000n), tx.pure.u64(18900000n)]);
	const reserved = tx.moveCall({
		target: `${pkg}::system::reserve_space`,
		arguments: [system, tx.pure.u64(66034000n), tx.pure.u32(3), storage],
	});
	tx.moveCall({ target: "0x2::coin::destroy_zero", typeArguments: [wal], arguments: [storage] });
	const blob = tx.moveCall({
		target: `${pkg}::system::register_blob`,
		arguments: [
			system, reserved,
			tx.pure.u256(14528991250861404666834535435384615765856667510756806797353855100662256435713n),
			tx.pure.u256(1n), tx.pure.u64(1000n), tx.pure.u8(1), tx.pure.bool(true), write,
		],
	});
	tx.moveCall({ target: `${pkg}::blob::insert_or_update_metadata_pair`, arguments: [blob, tx.pure.string("key"), tx.pure.string("value")] });
	tx.transferObjects([blob], tx.pure.address(sender));
	cases.push({ name: "register", tx });
}

{
	// Gas coin, whole Result, epoch expiration, receiving object, primitive
	// and nested generic type arguments.
	const tx = new Transaction();
	gas(tx, { owner: rep("0f"), price: 750n, budget: 1n, payment: [
		{ objectId: rep("9a"), version: "6789", digest: digest(9) },
		{ objectId: rep("9b"), version: "1", digest: digest(10) },
	] });
	tx.setExpiration({ Epoch: 42 });
	const [c] = tx.splitCoins(tx.gas, [tx.pure.u64(5)]);
	const r = tx.moveCall({
		target: "0x2::pay::generic",
		typeArguments: [
			"u8", "u16", "u32", "u64", "u128", "u256", "bool", "address", "signer",
			"vector<u8>", "vector<vector<0x2::sui::SUI>>",
			"0x2::dynamic_field::Field<u64, 0xd2::system_state_inner::SystemStateInnerV1>",
			"0x2::coin::Coin<0x2::balance::Balance<0x2::sui::SUI>>",
		],
		arguments: [c, tx.gas, tx.object(Inputs.ReceivingRef({ objectId: rep("44"), version: "77", digest: digest(44) }))],
	});
	tx.moveCall({ target: "0x2::pay::take", arguments: [r, tx.pure.vector("u8", [1, 2, 3]), tx.pure.option("u64", 9n)] });
	tx.mergeCoins(tx.gas, [c]);
	tx.transferObjects([r], sender);
	cases.push({ name: "gas-and-generics", tx });
}

{
	// MakeMoveVec with and without a type, immutable shared object, empty
	// pure, no type arguments, zero commands' arguments.
	const tx = new Transaction();
	gas(tx);
	const a = tx.object(Inputs.SharedObjectRef({ objectId: "0x6", initialSharedVersion: 1, mutable: false }));
	const v1 = tx.makeMoveVec({ type: "u64", elements: [tx.pure.u64(1), tx.pure.u64(2)] });
	const v2 = tx.makeMoveVec({ elements: [tx.object(Inputs.ObjectRef({ objectId: rep("c0"), version: "3", digest: digest(3) }))] });
	const v3 = tx.makeMoveVec({ type: `0x2::coin::Coin<${wal}>`, elements: [] });
	tx.moveCall({ target: "0x2::clock::timestamp_ms", arguments: [a, v1, v2, v3] });
	tx.moveCall({ target: "0x1::m::f" });
	cases.push({ name: "make-move-vec", tx });
}

{
	// Publish and upgrade.
	const tx = new Transaction();
	gas(tx);
	const cap = tx.publish({ modules: [toBase64(new Uint8Array([0xa1, 0x1c, 0xeb, 0x0b, 1, 2]))], dependencies: ["0x1", "0x2"] });
	tx.transferObjects([cap], sender);
	const ticket = tx.moveCall({ target: "0x2::package::authorize_upgrade", arguments: [tx.object(Inputs.ObjectRef({ objectId: rep("ca"), version: "5", digest: digest(5) })), tx.pure.u8(0), tx.pure.vector("u8", [1])] });
	const receipt = tx.upgrade({ modules: [toBase64(new Uint8Array([0xa1, 0x1c, 0xeb, 0x0b]))], dependencies: ["0x1"], package: rep("d2"), ticket });
	tx.moveCall({ target: "0x2::package::commit_upgrade", arguments: [tx.object(Inputs.ObjectRef({ objectId: rep("ca"), version: "5", digest: digest(5) })), receipt] });
	cases.push({ name: "publish-upgrade", tx });
}

const out = [];
for (const { name, tx } of cases) {
	const bytes = await tx.build();
	const data = Transaction.from(bytes).getData();
	const grpc = transactionDataToGrpcTransaction(data);
	out.push({
		name,
		bytes: toBase64(bytes),
		digest: await Transaction.from(bytes).getDigest(),
		data,
		grpc: toBase64(GrpcTransaction.toBinary(grpc)),
	});
}

{
	// Unresolved, as the SDK sends it to SimulateTransaction: bare object IDs
	// (shared or owned, unknown to the SDK), no gas price, budget or payment.
	const tx = new Transaction();
	tx.setSender(sender);
	const system = tx.object(rep("6c"));
	const blob = tx.object("0x5");
	const coin = tx.object(Inputs.ObjectRef({ objectId: rep("c0"), version: "12345", digest: digest(7) }));
	const [paid] = tx.splitCoins(coin, [tx.pure.u64(100)]);
	tx.moveCall({ target: `${pkg}::system::extend_blob`, arguments: [system, blob, tx.pure.u32(2), paid] });
	tx.moveCall({ target: "0x2::coin::destroy_zero", typeArguments: [wal], arguments: [paid] });
	const data = tx.getData();
	out.push({ name: "unresolved", data, grpc: toBase64(GrpcTransaction.toBinary(transactionDataToGrpcTransaction(data))) });
}

console.log(JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 1));
