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
//   - Web pages of any origin may call the API, as Walrus's nodes allow
//     (cors.go). CORS authorizes nothing: sync_shard checks its signed
//     request whoever asks.
//   - The routes are one table (routes, in node.go); the OpenAPI document
//     served at /v1/api (package api) must describe exactly them (a test).
//   - A confirmation is signed only when both slivers of every shard the node
//     holds are stored.
//   - A request body is bounded by what the chain says: a sliver by the size
//     its blob's registration fixes, never by pending metadata (anyone's to
//     upload), which gets Limits.MaxPendingSliver. Bodies are read as their
//     bytes arrive, under a node-wide byte budget (429 past it) and a
//     minimum rate (408 below it), and a sliver is verified (a re-encoding)
//     only after the cheap checks, its bytes still charged to the budget.
//     Servers come from NewServer and LimitListener: timeouts and a
//     connection limit.
//   - What the node knows of each blob from the chain's events (its live
//     objects and their end epochs) is kept in the store, so that deletion
//     and expiry are decided locally: no chain call per stored blob at an
//     epoch change.
//   - Following the events backs off on failure, doubling to a cap; a blob
//     event that keeps failing is parked in the store and retried later,
//     so that it does not hold back the ones after it. Epoch events are
//     retried until they succeed: without their committee the node cannot
//     tell which shards it serves.
package node
