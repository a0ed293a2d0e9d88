// Builds Walrus transactions with the official WalrusClient (@mysten/walrus)
// against a stub Sui client that answers only from the fixture, and prints
// the resolved TransactionData bytes of each case.
//
// Usage: node build.mjs '<fixture JSON>'
// The fixture is written by walrusptb's Go test (see fixture_test.go), so both
// sides build from the same inputs. Output: {"results":[{name, bytes, digest}]}
// with bytes in base64. Fully offline.
import { bcs } from "@mysten/sui/bcs";
import { Transaction } from "@mysten/sui/transactions";
import { ClientCache } from "@mysten/sui/client";
import { deriveDynamicFieldID, normalizeSuiAddress, toBase58 } from "@mysten/sui/utils";
import { toBase64, fromHex } from "@mysten/bcs";
import { WalrusClient } from "@mysten/walrus";

const fixture = JSON.parse(process.argv[2]);

// ---------------------------------------------------------------- Move layouts the client parses
const Element = bcs.struct("Element", { bytes: bcs.vector(bcs.u8()) });
const SystemBcs = bcs.struct("System", {
  id: bcs.Address, version: bcs.u64(), package_id: bcs.Address, new_package_id: bcs.option(bcs.Address),
});
const EventBlob = bcs.struct("EventBlob", { blob_id: bcs.u256(), ending_checkpoint_sequence_number: bcs.u64() });
const SystemStateField = bcs.struct("Field", {
  id: bcs.Address,
  name: bcs.u64(),
  value: bcs.struct("SystemStateInnerV1", {
    committee: bcs.struct("BlsCommittee", {
      members: bcs.vector(bcs.struct("BlsCommitteeMember", { public_key: Element, weight: bcs.u16(), node_id: bcs.Address })),
      n_shards: bcs.u16(), epoch: bcs.u32(), total_aggregated_key: Element,
    }),
    total_capacity_size: bcs.u64(), used_capacity_size: bcs.u64(),
    storage_price_per_unit_size: bcs.u64(), write_price_per_unit_size: bcs.u64(),
    future_accounting: bcs.struct("FutureAccountingRingBuffer", {
      current_index: bcs.u32(), length: bcs.u32(),
      ring_buffer: bcs.vector(bcs.struct("FutureAccounting", {
        epoch: bcs.u32(), used_capacity: bcs.u64(), rewards_to_distribute: bcs.struct("Balance", { value: bcs.u64() }),
      })),
    }),
    event_blob_certification_state: bcs.struct("EventBlobCertificationState", {
      latest_certified_blob: bcs.option(EventBlob),
      aggregate_weight_per_blob: bcs.struct("VecMap", { contents: bcs.vector(bcs.struct("Entry", { key: EventBlob, value: bcs.u16() })) }),
    }),
    deny_list_sizes: bcs.struct("ExtendedField", { id: bcs.Address }),
  }),
});
const BlobBcs = bcs.struct("Blob", {
  id: bcs.Address, registered_epoch: bcs.u32(), blob_id: bcs.u256(), size: bcs.u64(), encoding_type: bcs.u8(),
  certified_epoch: bcs.option(bcs.u32()),
  storage: bcs.struct("Storage", { id: bcs.Address, start_epoch: bcs.u32(), end_epoch: bcs.u32(), storage_size: bcs.u64() }),
  deletable: bcs.bool(),
});
const MetadataBcs = bcs.struct("Metadata", {
  metadata: bcs.struct("VecMap", { contents: bcs.vector(bcs.struct("Entry", { key: bcs.string(), value: bcs.string() })) }),
});

const hex32 = (b) => "0x" + b.repeat(32);
const digestOf = (n) => toBase58(Uint8Array.from({ length: 32 }, () => n));
const SYSTEM_VERSION = 2; // System.version: the key of its inner-state dynamic field

// ---------------------------------------------------------------- stub Sui client
// The real Move signatures matter: the SDK sets a shared input's mutability
// from whether the function takes it by &mut (or by value).
function moveFunctions(c) {
  const dt = (typeName, typeParameters = []) => ({ $kind: "datatype", datatype: { typeName, typeParameters } });
  const ref = (body, reference) => ({ reference, body });
  const prim = (k) => ({ reference: null, body: { $kind: k } });
  const sys = dt(`${c.typeOriginPackage}::system::System`);
  const blob = dt(`${c.typeOriginPackage}::blob::Blob`);
  const str = dt("0x1::string::String");
  const walCoin = dt("0x2::coin::Coin", [dt(c.walType)]);
  const ctx = ref(dt("0x2::tx_context::TxContext"), "mutable");
  return {
    "staking::stake_with_pool": [ref(dt(`${c.typeOriginPackage}::staking::Staking`), "mutable"), ref(walCoin, null), prim("address"), ctx],
    "system::reserve_space": [ref(sys, "mutable"), prim("u64"), prim("u32"), ref(walCoin, "mutable"), ctx],
    "system::register_blob": [ref(sys, "mutable"), ref(dt(`${c.typeOriginPackage}::storage_resource::Storage`), null), prim("u256"), prim("u256"), prim("u64"), prim("u8"), prim("bool"), ref(walCoin, "mutable"), ctx],
    "system::certify_blob": [ref(sys, "immutable"), ref(blob, "mutable"), prim("vector<u8>"), prim("vector<u8>"), prim("vector<u8>")],
    "system::extend_blob": [ref(sys, "mutable"), ref(blob, "mutable"), prim("u32"), ref(walCoin, "mutable")],
    "system::delete_blob": [ref(sys, "immutable"), ref(blob, null)],
    "blob::add_metadata": [ref(blob, "mutable"), ref(dt(`${c.typeOriginPackage}::metadata::Metadata`), null)],
    "blob::insert_or_update_metadata_pair": [ref(blob, "mutable"), ref(str, null), ref(str, null)],
    "blob::remove_metadata_pair": [ref(blob, "mutable"), ref(str, "immutable")],
    "metadata::new": [],
  };
}

function stubClient(tc) {
  const c = tc.contract;
  const sysId = normalizeSuiAddress(c.system);
  const innerId = normalizeSuiAddress(deriveDynamicFieldID(sysId, "u64", bcs.u64().serialize(SYSTEM_VERSION).toBytes()));
  const members = Array.from({ length: tc.committeeSize }, (_, i) => ({
    public_key: { bytes: new Uint8Array(96) }, weight: 1, node_id: normalizeSuiAddress((i + 1).toString(16)),
  }));
  const objects = new Map();
  objects.set(sysId, {
    objectId: sysId, version: "900", digest: digestOf(1),
    owner: { $kind: "Shared", Shared: { initialSharedVersion: c.systemInitialSharedVersion } },
    type: `${c.typeOriginPackage}::system::System`,
    content: SystemBcs.serialize({ id: sysId, version: SYSTEM_VERSION, package_id: c.package, new_package_id: null }).toBytes(),
  });
  objects.set(innerId, {
    objectId: innerId, version: "900", digest: digestOf(2),
    owner: { $kind: "ObjectOwner", ObjectOwner: sysId },
    type: `0x2::dynamic_field::Field<u64, ${c.typeOriginPackage}::system_state_inner::SystemStateInnerV1>`,
    content: SystemStateField.serialize({
      id: innerId, name: SYSTEM_VERSION,
      value: {
        committee: { members, n_shards: tc.nShards, epoch: 7, total_aggregated_key: { bytes: [] } },
        total_capacity_size: "1000000000000000", used_capacity_size: "0",
        storage_price_per_unit_size: tc.storagePrice, write_price_per_unit_size: tc.writePrice,
        future_accounting: { current_index: 0, length: 53, ring_buffer: [] },
        event_blob_certification_state: { latest_certified_blob: null, aggregate_weight_per_blob: { contents: [] } },
        deny_list_sizes: { id: hex32("0e") },
      },
    }).toBytes(),
  });
  if (tc.blob) {
    const b = tc.blob;
    const id = normalizeSuiAddress(b.ref.objectId);
    objects.set(id, {
      objectId: id, version: b.ref.version, digest: b.ref.digest,
      owner: { $kind: "AddressOwner", AddressOwner: tc.sender },
      type: `${c.typeOriginPackage}::blob::Blob`,
      content: BlobBcs.serialize({
        id, registered_epoch: 5, blob_id: 1n, size: 1000, encoding_type: 1, certified_epoch: 6,
        storage: { id: hex32("5e"), start_epoch: 5, end_epoch: 20, storage_size: b.storageSize },
        deletable: true,
      }).toBytes(),
    });
  }
  const fns = moveFunctions(c);
  const coins = (tc.walCoins ?? []).map((coin) => ({ ...coin, type: `0x2::coin::Coin<${c.walType}>`, owner: { $kind: "AddressOwner", AddressOwner: tc.sender } }));
  const coinTotal = coins.reduce((s, coin) => s + BigInt(coin.balance), 0n).toString();
  return {
    network: "testnet",
    cache: new ClientCache(),
    core: {
      resolveTransactionPlugin: () => null, // use the SDK's own core resolver
      async getObjects({ objectIds }) {
        return { objects: objectIds.map((id) => objects.get(normalizeSuiAddress(id)) ?? new Error(`fixture has no object ${id}`)) };
      },
      async getMoveFunction({ packageId, moduleName, name }) {
        const parameters = fns[`${moduleName}::${name}`];
        if (!parameters) throw new Error(`fixture has no function ${packageId}::${moduleName}::${name}`);
        return { function: { packageId, moduleName, name, parameters } };
      },
      async getBalance({ coinType }) {
        return { balance: { coinType, balance: coinTotal, coinBalance: coinTotal, addressBalance: "0" } };
      },
      async listCoins() {
        return { objects: coins, hasNextPage: false, cursor: null };
      },
      async getDynamicField({ parentId }) {
        const existing = tc.attributes?.existing;
        if (!existing) throw new Error(`fixture has no metadata on ${parentId}`);
        const contents = existing.map(([key, value]) => ({ key, value }));
        return { dynamicField: { value: { bcs: MetadataBcs.serialize({ metadata: { contents } }).toBytes() } } };
      },
    },
  };
}

// ---------------------------------------------------------------- one case through WalrusClient
function newTransaction(tc) {
  const tx = new Transaction();
  tx.setSender(tc.sender);
  tx.setGasPrice(BigInt(tc.gas.price));
  tx.setGasBudget(BigInt(tc.gas.budget));
  tx.setGasPayment(tc.gas.payment);
  return tx;
}

// Attribute lists keep their order in JSON; JavaScript objects reorder
// integer-like keys, so fixtures avoid those.
const attributeObject = (pairs) => Object.fromEntries(pairs);

async function build(tc) {
  const suiClient = stubClient(tc);
  const walrus = new WalrusClient({
    suiClient,
    packageConfig: { systemObjectId: tc.contract.system, stakingPoolId: hex32("5a") },
  });
  const transaction = newTransaction(tc);
  switch (tc.flow) {
    case "register": {
      const r = tc.register;
      walrus.registerBlobTransaction({
        transaction, size: r.size, epochs: r.epochs, blobId: r.blobId, rootHash: fromHex(r.rootHash),
        deletable: r.deletable, owner: r.owner, attributes: r.attributes ? attributeObject(r.attributes) : undefined,
      });
      break;
    }
    case "certify": {
      const cf = tc.certify;
      walrus.certifyBlobTransaction({
        transaction, blobId: cf.blobId, blobObjectId: tc.blob.ref.objectId, deletable: cf.deletable,
        certificate: { signers: cf.signers, signature: fromHex(cf.signature), serializedMessage: fromHex(cf.message) },
      });
      break;
    }
    case "extend":
      await walrus.extendBlobTransaction({ transaction, blobObjectId: tc.blob.ref.objectId, epochs: tc.extend.epochs });
      break;
    case "delete":
      walrus.deleteBlobTransaction({ transaction, blobObjectId: tc.blob.ref.objectId, owner: tc.delete.owner });
      break;
    case "attributes": {
      const a = tc.attributes;
      const attributes = attributeObject(a.changes);
      if (a.existing) await walrus.writeBlobAttributesTransaction({ transaction, blobObjectId: tc.blob.ref.objectId, attributes });
      else await walrus.writeBlobAttributesTransaction({ transaction, blobObject: transaction.object(tc.blob.ref.objectId), attributes });
      break;
    }
    default:
      throw new Error(`unknown flow ${tc.flow}`);
  }
  const bytes = await transaction.build({ client: suiClient });
  const digest = await transaction.getDigest({ client: suiClient });
  if (tc.flow === "register") await sameAsWriteBlobFlow(tc, walrus, suiClient, bytes);
  return { name: tc.name, bytes: toBase64(bytes), digest };
}

// writeBlob registers through its flow's register step, which hands the
// registerBlob thunk to transferObjects instead of calling
// registerBlobTransaction; both must give the same transaction.
async function sameAsWriteBlobFlow(tc, walrus, suiClient, want) {
  const r = tc.register;
  const transaction = newTransaction(tc);
  transaction.transferObjects([walrus.registerBlob({
    size: r.size, epochs: r.epochs, blobId: r.blobId, rootHash: fromHex(r.rootHash), deletable: r.deletable,
    attributes: r.attributes ? attributeObject(r.attributes) : undefined,
  })], r.owner);
  const got = await transaction.build({ client: suiClient });
  if (toBase64(got) !== toBase64(want)) throw new Error(`${tc.name}: the writeBlob flow's register transaction differs from registerBlobTransaction's`);
}

const results = [];
for (const tc of fixture.cases) results.push(await build(tc));
console.log(JSON.stringify({ results }));
