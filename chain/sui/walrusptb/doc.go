// Package walrusptb builds the Sui programmable transactions (PTBs) of
// Walrus's client operations — register, certify, extend, delete a blob and
// write its attributes — as resolved TransactionData, byte for byte what the
// official TypeScript SDK (@mysten/walrus 1.2.13 on @mysten/sui 2.33.1) builds
// for the same inputs once the chain has resolved them.
//
// # Vocabulary
//
//   - Flow: one operation's PTB (Register, Certify, Extend, Delete,
//     WriteAttributes). Each carries everything the SDK would look up on
//     chain: object references, the Walrus package, prices, WAL coins.
//   - Contract: the deployed Walrus contract: the package Move calls target
//     (System.package_id, which may differ from the package types originate
//     in), the shared System object and the WAL coin type.
//   - GasData: payment coins, price and budget. Data and Bytes take it apart
//     from the flow, so a caller can build with a placeholder budget, have
//     the chain simulate that, and rebuild the same PTB with the real budget.
//   - Storage unit: 1 MiB of encoded length, rounded up; Walrus prices are
//     per unit (and per epoch for storage).
//
// # Decisions that are easy to break
//
//   - Input and command order follow the SDK's resolution order, not the
//     order one would write by hand: in Register, for example, the WAL coins
//     and the split amounts are the last inputs although SplitCoins is the
//     first command, because the SDK resolves its coinWithBalance intent
//     after every other input exists.
//   - WAL is paid like the SDK's coinWithBalance: every coin given is used,
//     the first receives the others (MergeCoins, 500 sources at a time), one
//     SplitCoins yields all amounts, and when the coins hold exactly the
//     total the emptied first coin is destroyed with coin::destroy_zero.
//   - Split results are NestedResult(i, j), never Result(i); the System is
//     shared mutable for reserve_space, register_blob and extend_blob and
//     immutable for certify_blob and delete_blob (the Move signatures take
//     &mut System and &System), and it is one input however often used.
//   - Pure values are encoded here, not by sui-go-sdk's Pure, which takes any
//     string that looks like hex for an address.
//   - Costs are Move's: storage = price × units × epochs, write = price ×
//     units, with units from the encoded length (encoding.Params). Amounts
//     that overflow u64 are errors (Move would abort).
package walrusptb
