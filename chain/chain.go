// Package chain is the coordination layer of Walrus behind one interface:
// what Walrus keeps on Sui. Epochs and the committee of storage nodes with
// their shards, storage resources, blob registration and certification,
// deletion and extension, and the ordered stream of events that storage nodes
// follow.
//
// Two implementations fit it: an embedded ledger (package chain/ledger), the
// default, which persists to disk and can be served over HTTP so that separate
// processes share it; and Sui itself (a later package). Sui concepts stay
// visible: objects have IDs, blobs are owned objects, every change emits
// events with a transaction digest and sequence number, time is counted in
// epochs.
//
// The rules are Walrus's Move rules: a blob's ID must be derived from its root
// hash, size and encoding type; its storage must cover its encoded length for
// the current epoch; a certificate needs signatures of members holding at
// least n − f shards (3·w ≥ 2·n + 1), over a storage confirmation of the
// current epoch for this blob and persistence; end epochs are exclusive.
package chain

import (
	"context"
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// Epoch numbers committee periods; epoch 0 is genesis.
type Epoch = uint32

// ObjectID is a Sui object ID.
type ObjectID = messages.ObjectID

// Address is a Sui account address, the owner of objects.
type Address [32]byte

// MarshalText writes an address as Sui does: 0x and 64 hex digits.
func (a Address) MarshalText() ([]byte, error) { return ObjectID(a).MarshalText() }

// UnmarshalText parses 0x-prefixed (or bare) hex.
func (a *Address) UnmarshalText(b []byte) error { return (*ObjectID)(a).UnmarshalText(b) }

// Errors of chain operations. Implementations wrap them with context.
var (
	ErrNotFound           = errors.New("object not found")
	ErrNotOwner           = errors.New("sender does not own the object")
	ErrInvalidBlobID      = errors.New("blob ID does not match root hash, size and encoding type")
	ErrStorageTooSmall    = errors.New("storage resource too small for the blob")
	ErrStorageExpired     = errors.New("storage resource does not cover the current epoch")
	ErrInvalidCertificate = errors.New("invalid certificate")
	ErrAlreadyCertified   = errors.New("blob already certified")
	ErrNotDeletable       = errors.New("blob is not deletable")
	ErrExpired            = errors.New("blob expired")
	ErrBlobInvalid        = errors.New("blob ID was marked invalid")
	ErrInvalidArgument    = errors.New("invalid argument")
	ErrConflict           = errors.New("record changed since the version the caller read")
	ErrInsufficientWAL    = errors.New("not enough WAL")
	ErrInsufficientGas    = errors.New("not enough SUI for gas")
	ErrAborted            = errors.New("transaction aborted")
	ErrUnsupported        = errors.New("not supported by this chain")
	ErrSyncReported       = errors.New("node already reported its shards synced this epoch")
)

// Node is a storage node, a member of the committee.
type Node struct {
	ID        ObjectID      `json:"id"`
	Name      string        `json:"name"`
	Address   string        `json:"networkAddress"` // host:port of its storage API
	PublicKey bls.PublicKey `json:"publicKey"`
	// NetworkPublicKey is the DER SubjectPublicKeyInfo of the key its TLS
	// certificate carries, for pinning; empty for plain HTTP.
	NetworkPublicKey []byte   `json:"networkPublicKey,omitempty"`
	Shards           []uint16 `json:"shards"`
}

// Committee is the set of storage nodes of an epoch and their shards. Members
// are in the committee's order, which certificates' signer indices refer to.
type Committee struct {
	Epoch   Epoch  `json:"epoch"`
	NShards int    `json:"nShards"`
	Members []Node `json:"members"`
	// Syncing is set from EpochChangeStart until a quorum of the members
	// has reported its new shards synced (EpochChangeDone): until then
	// shards are still moving, and blobs certified in earlier epochs are
	// read from Previous.
	Syncing bool `json:"syncing,omitempty"`
	// Previous is the committee of the epoch before, while Syncing.
	Previous *Committee `json:"previous,omitempty"`
}

// ReadCommittee returns the committee that holds a blob first certified in
// epoch certified: the previous one while shards are still moving to this
// one, as Walrus's clients choose (active_committees.rs::read_committee).
func (c *Committee) ReadCommittee(certified Epoch) *Committee {
	if c.Syncing && c.Previous != nil && certified < c.Epoch {
		return c.Previous
	}
	return c
}

// Weight returns the number of shards a member holds.
func (c *Committee) Weight(member int) int { return len(c.Members[member].Shards) }

// IsQuorum reports whether members holding weight shards may certify a blob:
// 3·w ≥ 2·n + 1, that is at least n − f shards.
func (c *Committee) IsQuorum(weight int) bool { return 3*weight >= 2*c.NShards+1 }

// IsValidity reports whether weight shards include at least one honest
// member's (more than f): 3·w ≥ n + 1, enough to mark a blob ID invalid.
func (c *Committee) IsValidity(weight int) bool { return 3*weight >= c.NShards+1 }

// ShardOwner returns the member holding a shard, or -1.
func (c *Committee) ShardOwner(shard uint16) int {
	for i, m := range c.Members {
		for _, s := range m.Shards {
			if s == shard {
				return i
			}
		}
	}
	return -1
}

// Storage is a storage resource: size bytes of encoded length reserved for
// the epochs [StartEpoch, EndEpoch).
type Storage struct {
	ID         ObjectID `json:"id"`
	StartEpoch Epoch    `json:"startEpoch"`
	EndEpoch   Epoch    `json:"endEpoch"`
	Size       uint64   `json:"storageSize"`
}

// Blob is a registered blob object, owned by the account that registered it.
type Blob struct {
	ID              ObjectID        `json:"id"`
	Owner           Address         `json:"owner"`
	RegisteredEpoch Epoch           `json:"registeredEpoch"`
	BlobID          encoding.BlobID `json:"blobId"`
	Size            uint64          `json:"size"`
	EncodingType    byte            `json:"encodingType"`
	CertifiedEpoch  *Epoch          `json:"certifiedEpoch"`
	Storage         Storage         `json:"storage"`
	Deletable       bool            `json:"deletable"`
}

// FsRecord is an account's pointer to the latest manifest of one of its
// filesystems (the walrusfs tree stored as a blob), like a small owned Sui
// object. Version counts its updates from 1, so that writers can detect one
// another (compare and swap on Version).
type FsRecord struct {
	ID           ObjectID        `json:"id"`
	Owner        Address         `json:"owner"`
	Name         string          `json:"name"`
	Manifest     encoding.BlobID `json:"manifest"`
	Version      uint64          `json:"version"`
	UpdatedEpoch Epoch           `json:"updatedEpoch"`
}

// EventID names an event: its transaction and its position in it.
type EventID struct {
	TxDigest string `json:"txDigest"`
	EventSeq uint64 `json:"eventSeq"`
}

// EventKind is the type of an event.
type EventKind string

// The events Walrus's contracts emit that walrusfs uses.
const (
	EventBlobRegistered   EventKind = "BlobRegistered"
	EventBlobCertified    EventKind = "BlobCertified"
	EventBlobDeleted      EventKind = "BlobDeleted"
	EventInvalidBlobID    EventKind = "InvalidBlobID"
	EventEpochChangeStart EventKind = "EpochChangeStart"
	EventEpochChangeDone  EventKind = "EpochChangeDone"
	// EventEpochParametersSelected: the next epoch's committee is chosen.
	EventEpochParametersSelected EventKind = "EpochParametersSelected"
)

// Cursor is a position in the event stream: the number of events before it.
// A consumer stores the cursor after the last event it processed and resumes
// from it after a restart.
type Cursor uint64

// Event is one event. Fields that its kind does not use are zero.
type Event struct {
	Cursor       Cursor          `json:"cursor"` // position of this event
	ID           EventID         `json:"id"`
	Kind         EventKind       `json:"kind"`
	Epoch        Epoch           `json:"epoch"`
	BlobID       encoding.BlobID `json:"blobId"`
	Size         uint64          `json:"size,omitempty"`
	EncodingType byte            `json:"encodingType,omitempty"`
	EndEpoch     Epoch           `json:"endEpoch,omitempty"`
	Deletable    bool            `json:"deletable,omitempty"`
	ObjectID     ObjectID        `json:"objectId"`
	WasCertified bool            `json:"wasCertified,omitempty"`
	IsExtension  bool            `json:"isExtension,omitempty"`
}

// BlobStatus is what the chain knows of a blob ID across all its objects, as
// a storage node's blob status endpoint reports it.
type BlobStatus struct {
	// Exists is false when no live object registers the blob ID.
	Exists bool `json:"exists"`
	// Invalid carries the InvalidBlobID event when the ID was invalidated.
	Invalid *EventID `json:"invalid,omitempty"`
	// Permanent covers the longest-lived permanent object, if any.
	Permanent *PermanentStatus `json:"permanent,omitempty"`
	// DeletableCounts counts the live deletable objects.
	DeletableTotal     int `json:"deletableTotal"`
	DeletableCertified int `json:"deletableCertified"`
	// InitialCertifiedEpoch is the first epoch in which any object of the
	// blob ID was certified, if one was.
	InitialCertifiedEpoch *Epoch `json:"initialCertifiedEpoch,omitempty"`
}

// PermanentStatus describes the permanent objects of a blob ID.
type PermanentStatus struct {
	EndEpoch    Epoch   `json:"endEpoch"`
	IsCertified bool    `json:"isCertified"`
	StatusEvent EventID `json:"statusEvent"`
}

// Chain is what walrusfs needs from the coordination layer. Calls that change
// state are transactions sent by the chain client's account; they either
// happen entirely, with their events, or return an error and change nothing.
type Chain interface {
	// Committee returns the committee of the current epoch.
	Committee(ctx context.Context) (*Committee, error)

	// ReserveStorage buys size bytes of encoded length for epochs epochs
	// from the current one.
	ReserveStorage(ctx context.Context, size uint64, epochs uint32) (Storage, error)
	// RegisterBlob registers a blob against a storage resource, which it
	// consumes, and emits BlobRegistered.
	RegisterBlob(ctx context.Context, storage ObjectID, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (Blob, error)
	// CertifyBlob certifies a registered blob with a certificate over its
	// storage confirmation and emits BlobCertified.
	CertifyBlob(ctx context.Context, blob ObjectID, cert messages.Certificate) (Blob, error)
	// InvalidateBlobID marks a blob ID invalid with a certificate of
	// validity weight over an InvalidBlobID message and emits InvalidBlobID.
	InvalidateBlobID(ctx context.Context, cert messages.Certificate) error
	// DeleteBlob deletes an owned deletable blob, emits BlobDeleted and
	// returns its storage resource.
	DeleteBlob(ctx context.Context, blob ObjectID) (Storage, error)
	// ExtendBlob extends a certified blob by epochs epochs and emits
	// BlobCertified with IsExtension set.
	ExtendBlob(ctx context.Context, blob ObjectID, epochs uint32) (Blob, error)

	// Blob returns a blob object.
	Blob(ctx context.Context, id ObjectID) (Blob, error)
	// BlobStatus returns what the chain knows of a blob ID.
	BlobStatus(ctx context.Context, blobID encoding.BlobID) (BlobStatus, error)
	// Events returns up to limit events from cursor on, waiting up to the
	// context's deadline for at least one when none is there yet.
	Events(ctx context.Context, from Cursor, limit int) ([]Event, error)

	// PublishManifest points the sender's filesystem record name (1 to 128
	// bytes of UTF-8) at manifest, a blob ID that a live certified blob
	// object registers. With prevVersion 0 it creates the record, which must
	// not exist; otherwise the record's Version must be prevVersion. Either
	// way Version becomes prevVersion+1. A version mismatch is ErrConflict,
	// a bad name or manifest ErrInvalidArgument. It emits no event.
	PublishManifest(ctx context.Context, name string, manifest encoding.BlobID, prevVersion uint64) (FsRecord, error)
	// FsRecord returns owner's filesystem record name, or ErrNotFound.
	FsRecord(ctx context.Context, owner Address, name string) (FsRecord, error)
}

// BlobRegistrar is implemented by chains on which buying storage and
// registering a blob is one transaction, as Walrus clients do it on Sui:
// clients use it when they can, and ReserveStorage then RegisterBlob
// otherwise.
type BlobRegistrar interface {
	// ReserveAndRegister buys storage for the blob's encoded length for
	// epochs epochs and registers the blob on it, in one transaction.
	ReserveAndRegister(ctx context.Context, epochs uint32, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (Blob, error)
}

// BlobFinder is implemented by chains that can find the sender's own blob
// objects: a client that finds a certified one lasting long enough stores
// nothing again, and one that finds it registered only uploads and
// certifies it, paying nothing twice.
type BlobFinder interface {
	// FindOwnedBlob returns a live blob object of the sender's for blobID
	// with the given deletability that lasts until at least endEpoch
	// (exclusive), a certified one if there is one, if any.
	FindOwnedBlob(ctx context.Context, blobID encoding.BlobID, endEpoch Epoch, deletable bool) (Blob, bool, error)
}

// StorageFinder is implemented by chains that can find the sender's unused
// Storage resources: a store registers its blob on one that fits (the
// storage a deleted blob gave back, say) before buying new space.
type StorageFinder interface {
	// OwnedStorage returns the sender's Storage resources not attached to
	// a blob.
	OwnedStorage(ctx context.Context) ([]Storage, error)
}

// FitStorage picks among storages the one to register a blob of size bytes
// of encoded length on, in epoch now, to be kept until at least end: it
// must cover them, and may be at most twice as large (a larger one would
// waste its rest, which only a split could save); the smallest fit wins,
// then the one that ends first.
func FitStorage(storages []Storage, size uint64, now, end Epoch) (Storage, bool) {
	var best Storage
	found := false
	for _, s := range storages {
		if s.StartEpoch > now || s.EndEpoch < end || s.EndEpoch <= now || s.Size < size || s.Size/2 > size {
			continue
		}
		if !found || s.Size < best.Size || (s.Size == best.Size && s.EndEpoch < best.EndEpoch) {
			best, found = s, true
		}
	}
	return best, found
}

// BlobLister is implemented by chains that can list the sender's own blob
// objects, as `walrus list-blobs` does.
type BlobLister interface {
	// OwnedBlobs returns the sender's blob objects, expired ones included.
	OwnedBlobs(ctx context.Context) ([]Blob, error)
}

// BlobsExtender is implemented by chains that extend several blobs in one
// transaction, which renewing a tree's blobs uses.
type BlobsExtender interface {
	// ExtendBlobs extends each blobs[i] by epochs[i], all or none.
	ExtendBlobs(ctx context.Context, blobs []ObjectID, epochs []uint32) ([]Blob, error)
}

// Attribute is one of a blob object's attributes: the key-value pairs of
// its "metadata" dynamic field, which Walrus tools set and aggregators turn
// into HTTP headers.
type Attribute struct {
	Key, Value string
}

// BlobAttributeReader is implemented by chains that keep blob attributes.
type BlobAttributeReader interface {
	// BlobAttributes returns a blob object's attributes in their order on
	// chain (insertion order; an update moves a key to the end), or none
	// when it has no metadata field. An unknown object is ErrNotFound.
	BlobAttributes(ctx context.Context, blob ObjectID) ([]Attribute, error)
}

// RegistrationReader is implemented by chains that can tell what a
// transaction registered: an upload relay checks with it that whoever asks
// it to upload a blob registered that blob, and at which size.
type RegistrationReader interface {
	// RegisteredBlobs returns the Blob objects the transaction tx (a
	// digest, base58 on Sui) created, as they are now; one deleted since is
	// left out. An unknown transaction is ErrNotFound, a malformed digest
	// or a failed transaction ErrInvalidArgument.
	RegisteredBlobs(ctx context.Context, tx string) ([]Blob, error)
}

// BlobTransferrer is implemented by chains on which the sender can give an
// owned blob object to another address, as a publisher does for a
// store's send_object_to.
type BlobTransferrer interface {
	TransferBlob(ctx context.Context, blob ObjectID, to Address) error
}

// EpochSyncReporter is implemented by chains to which a storage node
// reports, with a signature of its key over messages.EpochSyncDone, that it
// holds all its shards of the current epoch; once members holding a quorum
// of shards have, the epoch change is done. A second report of the same
// epoch fails with ErrSyncReported.
type EpochSyncReporter interface {
	ReportEpochSync(ctx context.Context, epoch Epoch, node ObjectID, sig bls.Signature) error
}

// Refresher is implemented by chains that cache what they read: Refresh
// makes the next read go to the network, after a failure that stale state
// could explain (an epoch change).
type Refresher interface {
	Refresh()
}

// CheckBlobIdentity applies register_blob's checks of a blob's identity:
// the encoding is RS2 and the ID is the one its root hash and size derive.
func CheckBlobIdentity(blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte) error {
	if encodingType != encoding.EncodingRS2 {
		return fmt.Errorf("%w: encoding type %d, only RS2 (%d) is supported", ErrInvalidArgument, encodingType, encoding.EncodingRS2)
	}
	if want := encoding.DeriveBlobID(encodingType, size, root); want != blobID {
		return fmt.Errorf("%w: blob ID %s, root hash and size give %s", ErrInvalidBlobID, blobID, want)
	}
	return nil
}
