package ledger

import (
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// state is everything the log's records add up to. It does no I/O and reads
// no clock: the same records give the same state, IDs and events.
type state struct {
	chainID        string
	nShards        int
	maxEpochsAhead uint32
	epochDuration  time.Duration

	epoch        chain.Epoch
	epochStarted time.Time        // when the current epoch began
	committee    *chain.Committee // replaced at each epoch change, never changed
	keys         []bls.PublicKey  // members' keys, in member order

	seq        uint64 // records applied
	lastDigest string

	storages map[chain.ObjectID]*storageObject
	blobs    map[chain.ObjectID]*blobObject
	byBlobID map[encoding.BlobID][]chain.ObjectID // blob objects, oldest first
	invalid  map[encoding.BlobID]chain.EventID
	fs       map[fsKey]chain.FsRecord
	events   []chain.Event

	// staking is nil in ledgers made before it, whose epochs change in one
	// step: EpochChangeStart and EpochChangeDone together.
	staking *staking

	sui suiState
}

// fsKey names a filesystem record: names are per owner.
type fsKey struct {
	owner chain.Address
	name  string
}

// storageObject is a storage resource not attached to a blob.
type storageObject struct {
	chain.Storage
	owner   chain.Address
	version uint64 // Sui's object version: the lamport of its last change
}

// blobObject is a blob and the event of its last status change
// (registration, certification or extension).
type blobObject struct {
	chain.Blob
	statusEvent chain.EventID
	version     uint64 // Sui's object version: the lamport of its last change
}

func newState() *state {
	return &state{
		storages: make(map[chain.ObjectID]*storageObject),
		blobs:    make(map[chain.ObjectID]*blobObject),
		byBlobID: make(map[encoding.BlobID][]chain.ObjectID),
		invalid:  make(map[encoding.BlobID]chain.EventID),
		fs:       make(map[fsKey]chain.FsRecord),
		sui:      newSuiState(),
	}
}

// txn is a record being applied: it hands out the record's object IDs and
// event sequence numbers in order.
type txn struct {
	rec        *record
	sender     chain.Address
	nextObject uint64
	nextEvent  uint64
}

func newTxn(rec *record) *txn { return &txn{rec: rec, sender: chain.Address(rec.Sender)} }

func (t *txn) newObjectID() chain.ObjectID {
	id := objectID(t.rec.Digest, t.nextObject)
	t.nextObject++
	return id
}

// emit appends an event of the transaction to the stream.
func (s *state) emit(t *txn, e chain.Event) chain.EventID {
	e.Cursor = chain.Cursor(len(s.events))
	e.ID = chain.EventID{TxDigest: t.rec.Digest, EventSeq: t.nextEvent}
	t.nextEvent++
	s.events = append(s.events, e)
	return e.ID
}

// result is what a transaction returns to its sender.
type result struct {
	blob      chain.Blob
	storage   chain.Storage
	committee chain.Committee
	fs        chain.FsRecord
	sui       *SuiExecution
}

// commitFunc changes the state; it runs only after the rules accepted the
// transaction and its record is on disk, and cannot fail.
type commitFunc func() result

// prepare checks a transaction against the rules without changing anything
// and returns the change to make. On replay sigs skips the BLS checks, which
// passed before the record was written; every other rule runs again, so a
// log that does not replay cleanly is reported rather than half-applied.
func (s *state) prepare(t *txn, sigs sigPolicy) (commitFunc, error) {
	r := t.rec
	if r.Seq != s.seq {
		return nil, fmt.Errorf("record %d where %d was due", r.Seq, s.seq)
	}
	if (r.Genesis != nil) != (s.seq == 0) {
		return nil, fmt.Errorf("%w: genesis must be the first transaction, and only it", chain.ErrInvalidArgument)
	}
	var (
		commit commitFunc
		err    error
	)
	switch {
	case r.Genesis != nil:
		commit, err = s.prepareGenesis(t, sigs)
	case r.Reserve != nil:
		commit, err = s.prepareReserve(t)
	case r.Register != nil:
		commit, err = s.prepareRegister(t)
	case r.Certify != nil:
		commit, err = s.prepareCertify(t, sigs)
	case r.Invalidate != nil:
		commit, err = s.prepareInvalidate(t, sigs)
	case r.Delete != nil:
		commit, err = s.prepareDelete(t)
	case r.Extend != nil:
		commit, err = s.prepareExtend(t)
	case r.Epoch != nil:
		commit, err = s.prepareEpoch(t, sigs)
	case r.Stake != nil:
		commit, err = s.prepareStake(t, sigs)
	case r.Voting != nil:
		commit, err = s.prepareVoting(t)
	case r.SyncDone != nil:
		commit, err = s.prepareSyncDone(t, sigs)
	case r.Publish != nil:
		commit, err = s.preparePublish(t)
	case r.Mint != nil:
		commit, err = s.prepareMint(t)
	case r.Sui != nil:
		commit, err = s.prepareSui(t, sigs)
	default:
		err = fmt.Errorf("%w: empty transaction", chain.ErrInvalidArgument)
	}
	if err != nil {
		return nil, err
	}
	return func() result {
		res := commit()
		s.seq++
		s.lastDigest = r.Digest
		return res
	}, nil
}

// ownedBlob returns a blob object that sender owns.
func (s *state) ownedBlob(sender chain.Address, id chain.ObjectID) (*blobObject, error) {
	b, ok := s.blobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: no blob object %s", chain.ErrNotFound, FormatObjectID(id))
	}
	if b.Owner != sender {
		return nil, fmt.Errorf("%w: blob object %s belongs to %s, not %s", chain.ErrNotOwner, FormatObjectID(id), FormatAddress(b.Owner), FormatAddress(sender))
	}
	return b, nil
}

// lamport is the Sui object version that the record being applied gives
// the objects it creates or changes: one more than its sequence number, so
// that versions only grow and genesis objects have version 1.
func (s *state) lamport() uint64 { return s.seq + 1 }

// expired reports whether storage ending at end no longer covers the
// current epoch (end epochs are exclusive).
func (s *state) expired(end chain.Epoch) bool { return s.epoch >= end }

// addBlob installs a new blob object.
func (s *state) addBlob(b *blobObject) {
	s.blobs[b.ID] = b
	s.byBlobID[b.BlobID] = append(s.byBlobID[b.BlobID], b.ID)
}

// removeBlob deletes a blob object, and its attributes.
func (s *state) removeBlob(b *blobObject) {
	delete(s.blobs, b.ID)
	if _, ok := s.sui.attrs[b.ID]; ok {
		delete(s.sui.attrs, b.ID)
		delete(s.sui.attrFields, moveobj.MetadataFieldID(b.ID))
	}
	ids := s.byBlobID[b.BlobID]
	for i, id := range ids {
		if id == b.ID {
			ids = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(s.byBlobID, b.BlobID)
	} else {
		s.byBlobID[b.BlobID] = ids
	}
}

// setCommittee installs the committee of the current epoch.
func (s *state) setCommittee(members []chain.Node) {
	s.committee = &chain.Committee{Epoch: s.epoch, NShards: s.nShards, Members: members}
	s.keys = make([]bls.PublicKey, len(members))
	for i, m := range members {
		s.keys[i] = m.PublicKey
	}
}
