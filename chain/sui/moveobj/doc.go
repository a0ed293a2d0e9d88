// Package moveobj holds Walrus's Move objects as Sui stores them: their BCS
// layouts, the IDs of their dynamic fields, their Move type strings, and the
// storage prices Move charges for them.
//
// Two sides use it. The Go client of real Sui decodes what a full node
// returns, which is untrusted; the local Sui face encodes its own state so
// that the official TypeScript SDKs (@mysten/walrus, @mysten/sui) parse it.
// Layouts follow the Move sources field for field, as the SDK's generated
// structs do (shared/sui-face.md §4).
//
// # Vocabulary
//
//   - UID, ID, address: 32 raw bytes (chain.ObjectID, chain.Address).
//   - u256: 32 bytes little-endian. A blob ID's raw bytes are exactly its
//     u256 BCS, so encoding.BlobID is stored as is.
//   - Option<T>: a Go pointer, nil for None. For Option<Element> (a byte
//     string) nil is None and a non-nil slice, even empty, is Some.
//   - VecMap<K,V>: a slice of pairs kept in the order given; Move keeps
//     insertion order and so do we.
//   - Table, Bag, ObjectTable, ExtendedField: only their headers (UID and
//     size) live in the object; entries are separate dynamic-field objects.
//   - Balance<T>: a u64.
//
// # Decisions
//
//   - Every type has MarshalBCS (value receiver, cannot fail) and a DecodeX
//     function. Decoders are strict about what they read (truncation, bool
//     bytes, enum tags, UTF-8 strings, Move identifiers, canonical ULEB128)
//     and never allocate by a length the input cannot back.
//   - Decoders ignore bytes after the value, as the SDK's parser does: a
//     full node may serve a longer buffer than the layout we know. Callers
//     wanting exact input check the length of MarshalBCS of the result.
//   - Enums are a Kind plus the payload fields; MarshalBCS writes an
//     unknown Kind's tag with no payload, which no decoder accepts, so a
//     bad value cannot pass for a good one.
//   - Costs are computed as Move computes them in u64, and overflow is an
//     error where Move would abort.
package moveobj
