package node

import (
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/store"
)

// The errors a Store returns, wrapped or not: those of package store, whose
// Store is the one nodes run on.
var (
	// ErrNotFound means absent data.
	ErrNotFound = store.ErrNotFound
	// ErrCacheSaturated means the buffer of data for unregistered blobs is full.
	ErrCacheSaturated = store.ErrCacheSaturated
)

// Store is the node's persistent state, as the node needs it. Pending entries
// are buffered for blobs not yet registered on the chain.
type Store interface {
	PutMetadata(id encoding.BlobID, m *encoding.Metadata, pending bool) error
	// Metadata returns stored metadata, or pending metadata when pending is
	// set and none is stored.
	Metadata(id encoding.BlobID, pending bool) (*encoding.Metadata, error)
	HasMetadata(id encoding.BlobID, pending bool) (bool, error)
	PutSliver(id encoding.BlobID, shard uint16, s *encoding.Sliver, pending bool) error
	Sliver(id encoding.BlobID, shard uint16, axis encoding.Axis) (*encoding.Sliver, error)
	HasSliver(id encoding.BlobID, shard uint16, axis encoding.Axis) (bool, error)
	// Promote turns a blob's pending entries into stored ones.
	Promote(id encoding.BlobID) error
	// DeleteBlob removes a blob's metadata and slivers, stored and pending.
	DeleteBlob(id encoding.BlobID) error
	// ForEachBlob calls fn for every blob with stored metadata, in blob-ID
	// order from from on.
	ForEachBlob(from encoding.BlobID, fn func(encoding.BlobID) error) error

	// Cursor is the position in the chain's events the node has processed.
	Cursor() (chain.Cursor, error)
	SetCursor(c chain.Cursor) error
	// HeldShards and SetHeldShards record the shards the node holds as of
	// an epoch (their slivers present or queued for recovery), so that a
	// node that restarts after an epoch change knows what it gained.
	HeldShards() (epoch chain.Epoch, shards []uint16, ok bool, err error)
	SetHeldShards(epoch chain.Epoch, shards []uint16) error
	// The recovery queue: certified blobs whose slivers the node must rebuild.
	QueueRecovery(id encoding.BlobID) error
	RecoveryDone(id encoding.BlobID) error
	PendingRecoveries() ([]encoding.BlobID, error)
	// Sync makes every write before it durable; writes alone need not be.
	Sync() error

	// Blob states, from the chain's events (see package store): ApplyEvent
	// applies one in order and moves the cursor past it; ReapplyEvent
	// applies a parked one late; RebuildState replays one into the states
	// only. ExpireBlobs removes the blobs whose every object ended by an
	// epoch, and returns how many.
	ApplyEvent(ev chain.Event) (store.BlobState, error)
	ReapplyEvent(ev chain.Event) (store.BlobState, error)
	RebuildState(ev chain.Event) error
	ExpireBlobs(epoch chain.Epoch) (int, error)
	// Followed reports whether the states cover every event before the
	// cursor; SetFollowed records that they do.
	Followed() (bool, error)
	SetFollowed() error
	// Parked events: blob events set aside after failing, retried later.
	ParkEvent(ev chain.Event) error
	UnparkEvent(c chain.Cursor) error
	ParkedEvents() ([]chain.Event, error)
}
