// Package suitx converts Sui transactions (TransactionData V1 holding a
// programmable transaction) between three forms: Sui's BCS bytes, the model
// of sui-go-sdk (transaction.TransactionData), and the structured
// sui.rpc.v2.Transaction proto that the gRPC API and the official TypeScript
// SDK exchange.
//
// Vocabulary: a PTB (programmable transaction block) is a list of inputs
// (call arguments: pure BCS values or object references) and commands (Move
// calls, coin splits and merges, transfers) whose arguments name the gas
// coin, an input, or a result of an earlier command. An input is resolved
// when it carries everything Sui needs (an owned object's version and
// digest, a shared object's initial version and mutability); the SDK sends
// unresolved object inputs, bare IDs, to SimulateTransaction.
//
// Decisions:
//   - Encode is our own encoder, not (*TransactionData).Marshal, which
//     agrees with Sui only on some transactions: it numbers u64/u128/u256
//     type tags wrongly, panics on a vector type tag, writes MakeMoveVec's
//     Option<TypeTag> as a string, writes an explicit None expiration as
//     01, and numbers the unresolved call args as if Sui had them. The bytes
//     of Encode are Sui's, checked against the official SDK.
//   - Decode is strict: the input is untrusted. Vector lengths are checked
//     against the bytes left before anything is allocated, type tags are
//     nested at most MaxTypeDepth deep, identifiers and object digests are
//     validated, every enum tag is checked and trailing bytes are refused.
//     Parts Walrus never uses and the sdk model cannot hold (funds-withdrawal
//     inputs, ValidDuring/Validity expirations, system transaction kinds) are
//     refused with an error naming them.
//   - The canonical model, what Decode returns and FromProto produces:
//     expiration None is a nil Expiration (so the sdk's own Marshal also
//     gets it right), the gas coin argument is GasCoin: struct{}{} (as
//     tx.Gas() makes it), each TypeTag enum sets exactly one field, and
//     MakeMoveVec's element type is the canonical type string.
//   - Type arguments appear in protos as the TypeScript SDK prints them:
//     addresses as 0x plus 64 hex digits, type parameters separated by ", ".
package suitx
