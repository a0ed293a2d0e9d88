// Package store is a storage node's persistent state, kept in Badger
// (dgraph-io/badger/v4): blob metadata, the slivers of the shards the node
// holds, data buffered for blobs not yet registered, what the node knows of
// each blob from the chain, the chain event cursor and the queue of blobs
// whose slivers must be recovered.
//
// Vocabulary:
//   - stored: metadata or a sliver of a blob the node accepted as
//     registered; it is served and counts for confirmations.
//   - pending: metadata or a sliver uploaded (with ?pending=true) before the
//     node saw the blob registered. It is not served, its total size is
//     bounded (ErrCacheSaturated) and it is dropped after Options.PendingTTL
//     unless promoted.
//   - promote: turn a blob's pending entries into stored ones, when the blob
//     is registered.
//   - blob state: the live Blob objects that register a blob ID (each with
//     its end epoch, deletable flag and certification), the first
//     certification epoch, and whether the ID was marked invalid. The number
//     of live objects is the blob's reference count: its data is removed when
//     it drops to zero.
//
// # Key layout
//
// Every key starts with a one-byte tag; blob IDs are the 32 raw bytes,
// shards big-endian u16, so a blob's keys are contiguous and its slivers
// sorted by shard:
//
//	'm' | blob ID                          metadata (BCS BlobMetadata)
//	'v' | blob ID | shard | axis           sliver: symbol size, index, and
//	                                       where its data is in the blob's
//	                                       sliver file, with its CRC-32C
//	'p' | blob ID | 'm'                    pending marker of the metadata
//	'p' | blob ID | 'v' | shard | axis     pending marker of a sliver
//	's' | blob ID                          blob state
//	'r' | blob ID                          recovery queue entry
//	'c'                                    event cursor
//	'f'                                    blob states follow every event
//	                                       before the cursor (see Followed)
//	'h'                                    shards held as of an epoch
//	'k' | cursor u64 (big-endian)          an event the node parked (JSON)
//	'y'                                    counters saved by a clean Close
//	'z'                                    schema version
//
// Every value but the schema string starts with a format byte (1; 2 for a
// sliver whose data is in its blob's file, as all are written now); values
// that do not decode, and sliver data that fails its checksum, are reported
// as ErrCorrupt, never returned.
//
// Slivers' bytes live outside Badger, in slivers/<2 chars>/<blob ID>: one
// append-only file per blob (see blobFiles).
//
// # Decisions that are easy to break by accident
//
//   - Pending data is written once, under the same data key as stored data;
//     a small marker key says it is pending. Promotion deletes markers and
//     copies nothing, so a buffered 40 MB sliver is not written twice.
//     Readers of stored data (Metadata, Sliver, HasSliver) check that no
//     marker exists.
//   - Slivers' bytes go to their blob's file first, then the key pointing
//     at them commits: a crash in between leaves unreferenced bytes, never a
//     key without data. The file goes when the blob's last sliver key does
//     (deletion, expiry, dropping unclaimed pending data). Metadata, large
//     too, stays in Badger's value log (ValueThreshold is below it), so the
//     LSM tree holds only keys, pointers and small records.
//   - Writes are not synced one by one: a Put that returned survives kill -9
//     (the kernel keeps written pages and Badger's mapped logs), and Sync
//     makes everything written before it survive power loss, as far as the
//     file system honours fsync. A node syncs before it signs a storage
//     confirmation, so a confirmed sliver is on disk, and one sync covers a
//     blob's thousands of slivers. One gap is Badger's: Sync covers the
//     active memtable's log, not a full one waiting to be flushed (seconds at
//     most); a power cut then can lose the keys of recent writes, which the
//     node's self-healing rebuilds from its peers.
//   - Every write is one Badger transaction, except the removal or promotion
//     of a blob with more than deleteBatch entries, which runs in chunks
//     ending with the transaction that updates its state; a crash in between
//     leaves work that replaying the same call finishes.
//   - Operations on one blob are ordered by a striped lock: puts share it,
//     promotion, removal and event application hold it exclusively, so a put
//     never interleaves with the removal of its blob.
//   - ApplyEvent records the chain cursor in the transaction that applies
//     the event; an event before the cursor was already applied and is
//     ignored. Events must be applied in order, by one goroutine.
//   - The store checks form, not content: malformed keys and values are
//     rejected (ErrMalformed), but slivers are not verified against metadata;
//     the node does that before calling Put.
//
// # Memory
//
// A devnet runs ten nodes on one machine, so each store keeps Badger small:
// three 8 MiB memtables, a 16 MiB block cache, a 16 MiB index cache, two
// compactors (see badgerOptions). Value-log garbage collection runs every
// Options.GCInterval in a goroutine that Close stops and waits for.
package store
