// Package node is a Walrus storage node: it serves the storage-node API for
// the shards it holds in the current committee, keeps metadata and slivers in
// its store, signs storage confirmations with its BLS key, and follows the
// chain's events — promoting slivers buffered before registration, rebuilding
// slivers it missed once a blob is certified (Red Stuff self-healing, from
// other nodes' recovery symbols), and removing data of deleted blobs.
//
// Decisions:
//   - Every sliver is verified against its blob's metadata before it is
//     stored, and metadata against its blob ID; nothing a client or a peer
//     sends is trusted.
//   - Errors carry the reasons of Walrus's API (package api), so clients can
//     tell permanent refusals from trouble worth retrying.
//   - A confirmation is signed only when both slivers of every shard the node
//     holds are stored.
package node
