package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// StoreResult describes a stored blob.
type StoreResult struct {
	BlobID encoding.BlobID
	// Object is the Blob object registered and certified for this store.
	Object chain.Blob
	// ConfirmedShards counts the shards whose nodes confirmed storage.
	ConfirmedShards int
	// Reused is set when a certified blob object of the sender's already
	// covered the epochs asked for, so that nothing was stored or paid.
	Reused bool
	// Resource says what the store registered the blob on, when not Reused.
	Resource Resource
	// Timings says where the time went.
	Timings StoreTimings
}

// StoreTimings splits a store's time into its steps.
type StoreTimings struct {
	Encode   time.Duration // Red Stuff encoding, metadata and blob ID
	Register time.Duration // buying storage and registering, on the chain
	Upload   time.Duration // slivers to the nodes, until a quorum confirmed
	Certify  time.Duration // the certificate, on the chain
}

// Resource is what a store registered its blob on, which decides what it
// paid: Walrus's publishers report it.
type Resource int

const (
	// NewStorage: storage was bought and the blob registered on it.
	NewStorage Resource = iota
	// HeldStorage: the blob was registered on a Storage object the wallet
	// held (a deleted blob's), paying only the write.
	HeldStorage
	// HeldRegistration: the wallet had registered the blob before without
	// certifying it; the store uploaded and certified it, paying nothing.
	HeldRegistration
)

// Store encodes blob, registers it for epochs epochs, uploads its slivers
// and certifies it. A certified blob object of the wallet's that lasts long
// enough is reused rather than stored again (StoreResult.Reused).
func (c *Client) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*StoreResult, error) {
	return c.store(ctx, blob, epochs, deletable, true)
}

// StoreNew is Store registering a new blob object even when the wallet
// holds one for the same bytes already, as a publisher's force=true asks.
func (c *Client) StoreNew(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*StoreResult, error) {
	return c.store(ctx, blob, epochs, deletable, false)
}

func (c *Client) store(ctx context.Context, blob []byte, epochs uint32, deletable, reuse bool) (*StoreResult, error) {
	var tm StoreTimings
	start := time.Now()
	lap := func(d *time.Duration) {
		now := time.Now()
		*d, start = now.Sub(start), now
	}
	com, err := c.chain.Committee(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read committee: %w", err)
	}
	enc, err := c.encoder(com.NShards)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Uploads outlive the call: they must not read the caller's buffer,
	// which the systematic slivers would alias.
	eb, err := enc.Encode(bytes.Clone(blob))
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	up, err := c.startUpload(eb)
	if err != nil {
		eb.Release()
		return nil, fmt.Errorf("store: %w", err)
	}
	stored := false
	defer func() { c.finish(up, stored) }()
	lap(&tm.Encode)

	var obj chain.Blob
	found := false
	resource := HeldRegistration
	if f, ok := c.chain.(chain.BlobFinder); ok && reuse {
		if obj, found, err = f.FindOwnedBlob(ctx, eb.ID, com.Epoch+epochs, deletable); err != nil {
			return nil, fmt.Errorf("store %s: look for a copy of the wallet's: %w", eb.ID, err)
		}
		if found && obj.CertifiedEpoch != nil {
			c.log.Info("blob already certified long enough", "blob", eb.ID, "object", fmt.Sprintf("%x", obj.ID[:8]), "end_epoch", obj.Storage.EndEpoch)
			return &StoreResult{BlobID: eb.ID, Object: obj, Reused: true, Timings: tm}, nil
		}
	}
	if !found {
		if obj, resource, err = c.register(ctx, eb, com.Epoch, epochs, deletable); err != nil {
			return nil, fmt.Errorf("store %s: %w", eb.ID, err)
		}
	}
	lap(&tm.Register)
	c.log.Info("registered blob", "blob", eb.ID, "object", fmt.Sprintf("%x", obj.ID[:8]), "size", len(blob), "epochs", epochs)

	var objectID *messages.ObjectID
	if deletable {
		objectID = &obj.ID
	}
	var certified chain.Blob
	com, weight, err := c.confirm(ctx, up, com, objectID, func(cert messages.Certificate) error {
		lap(&tm.Upload)
		b, err := c.chain.CertifyBlob(ctx, obj.ID, cert)
		if err != nil {
			return fmt.Errorf("certify: %w", err)
		}
		certified = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", eb.ID, err)
	}
	stored = true
	c.log.Info("certified blob", "blob", eb.ID, "confirmed_shards", weight)
	// This client computed the metadata itself: reads need not fetch it.
	c.cacheMetadata(eb.ID, com.NShards, eb.Metadata)
	lap(&tm.Certify)
	return &StoreResult{BlobID: eb.ID, Object: certified, ConfirmedShards: weight, Resource: resource, Timings: tm}, nil
}

// confirm uploads up to com's nodes until a quorum of them confirmed, and
// hands use the certificate. Confirmations are signed for an epoch: when
// either step fails across an epoch change, the nodes sign for the new one
// and the certificate must too, so both run again with the new committee
// (the nodes keep what they have). It returns the committee that signed.
func (c *Client) confirm(ctx context.Context, up *upload, com *chain.Committee, object *messages.ObjectID, use func(messages.Certificate) error) (*chain.Committee, int, error) {
	for attempt := 0; ; attempt++ {
		cert, weight, err := c.uploadAndConfirm(ctx, up, com, c.members(com), object)
		if err == nil {
			err = use(cert)
		}
		if err == nil {
			return com, weight, nil
		}
		next, moved := c.epochMoved(ctx, com)
		if attempt >= maxEpochRetries || !moved {
			return com, weight, err
		}
		c.log.Info("the epoch changed during the upload; confirming with the new committee", "blob", up.eb.ID, "epoch", next.Epoch)
		com = next
	}
}

// uploadArgs is what every node's upload of a blob shares.
type uploadArgs struct {
	want   []byte // the confirmation's expected bytes
	object *messages.ObjectID
	sent   *atomic.Int64 // sliver bytes sent, for Progress
	total  int64
}

// uploadAndConfirm sends every node its metadata and slivers, as part of up,
// and collects verified confirmations until they cover a quorum of shards,
// then for a grace period. The uploads still going on are left to up.
func (c *Client) uploadAndConfirm(ctx context.Context, up *upload, com *chain.Committee, members []member, object *messages.ObjectID) (messages.Certificate, int, error) {
	eb := up.eb
	expected := messages.StorageConfirmation{Epoch: com.Epoch, BlobID: eb.ID}
	if object != nil {
		expected.Deletable, expected.ObjectID = true, *object
	}
	args := uploadArgs{want: expected.Marshal(), object: object, sent: new(atomic.Int64)}
	pending := 0 // shards whose nodes have not answered
	for _, m := range members {
		args.total += int64(len(m.node.Shards)) * int64(eb.Params.PrimarySliverSize()+eb.Params.SecondarySliverSize())
		pending += len(m.node.Shards)
	}

	start := time.Now()
	results := make(chan nodeResult, len(members))
	for _, m := range members {
		c.uploadNode(up, m, args, results)
	}
	var (
		signers []int
		signed  []messages.SignedMessage
		weight  int
		errs    []error
		grace   <-chan time.Time
	)
wait:
	for range members {
		var r nodeResult
		select {
		case r = <-results:
		case <-grace:
			break wait // the rest go on in the background
		case <-ctx.Done():
			return messages.Certificate{}, weight, ctx.Err()
		}
		pending -= len(r.m.node.Shards)
		if r.err != nil {
			errs = append(errs, r.err)
			if !com.IsQuorum(weight + pending) {
				break wait // no quorum possible any more
			}
			continue
		}
		signers = append(signers, r.m.index)
		signed = append(signed, r.conf)
		weight += len(r.m.node.Shards)
		if grace == nil && com.IsQuorum(weight) {
			// Counted in shards, as the chain counts: a few nodes may
			// hold most of them.
			t := time.NewTimer(c.opts.QuorumGrace + time.Duration(c.opts.QuorumGraceFactor*float64(time.Since(start))))
			defer t.Stop()
			grace = t.C
		}
	}
	if !com.IsQuorum(weight) {
		return messages.Certificate{}, weight, fmt.Errorf("%w: %d of %d shards confirmed: %w", ErrCertificationFailed, weight, com.NShards, errors.Join(errs...))
	}
	cert, err := messages.Aggregate(signers, signed)
	if err != nil {
		return messages.Certificate{}, weight, err
	}
	return cert, weight, nil
}

// metadataSize is the size of a blob's metadata on the wire.
func metadataSize(nShards int) int64 { return 16 + 66*int64(nShards) }

// uploadTo sends one node the metadata and the sliver pairs of its shards,
// then fetches its confirmation. It stops at the first request that fails
// for good: the node then recovers the blob once it is certified.
func (c *Client) uploadTo(up *upload, m member, args uploadArgs) (messages.SignedMessage, error) {
	if len(m.node.Shards) == 0 {
		return messages.SignedMessage{}, errors.New("holds no shards")
	}
	eb := up.eb
	ctx, cancel := context.WithCancel(up.ctx)
	defer cancel()
	slots := c.nodeSlot(m.node.Address)
	err := c.retrySlots(ctx, c.opts.Retries, metadataSize(eb.Params.NShards), slots, func(ctx context.Context) error {
		return m.api.PutMetadata(ctx, eb.ID, eb.Metadata, true)
	})
	if err != nil {
		return messages.SignedMessage{}, fmt.Errorf("metadata: %w", err)
	}

	type sliverRef struct {
		pair int
		axis encoding.Axis
	}
	var todo []sliverRef
	for _, shard := range m.node.Shards {
		pair := eb.ID.PairForShard(int(shard), eb.Params.NShards)
		todo = append(todo, sliverRef{pair, encoding.Primary}, sliverRef{pair, encoding.Secondary})
	}
	// As many workers as the node takes requests at once; each takes the
	// next sliver until none is left or one failed.
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range min(c.opts.NodeConcurrency, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(todo) {
					return
				}
				ref := todo[i]
				s := eb.Sliver(ref.axis, ref.pair)
				err := c.retrySlots(ctx, c.opts.Retries, int64(len(s.Data)), slots, func(ctx context.Context) error {
					return m.api.PutSliver(ctx, eb.ID, ref.pair, s, true)
				})
				if err != nil {
					errOnce.Do(func() {
						firstErr = fmt.Errorf("%s sliver of pair %d: %w", ref.axis, ref.pair, err)
						cancel() // the node's other slivers would fare no better
					})
					return
				}
				done := args.sent.Add(int64(len(s.Data)))
				if c.opts.Progress != nil && up.foreground.Load() {
					c.opts.Progress(done, args.total)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return messages.SignedMessage{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return messages.SignedMessage{}, err
	}
	var conf messages.SignedMessage
	err = c.retrySlots(ctx, c.opts.Retries, 0, slots, func(ctx context.Context) error {
		var err error
		conf, err = m.api.Confirmation(ctx, eb.ID, args.object)
		return err
	})
	if err != nil {
		return messages.SignedMessage{}, fmt.Errorf("confirmation: %w", err)
	}
	return conf, nil
}

// checkConfirmation verifies a node's confirmation: the exact bytes expected
// (intent, epoch, blob, persistence) and the node's signature.
func (c *Client) checkConfirmation(conf messages.SignedMessage, want []byte, m member) error {
	if string(conf.Serialized) != string(want) {
		got, err := messages.ParseStorageConfirmation(conf.Serialized)
		if err != nil {
			return fmt.Errorf("confirmation: %w", err)
		}
		return fmt.Errorf("confirmation for another blob or epoch: %+v", got)
	}
	if err := conf.Verify(m.node.PublicKey); err != nil {
		return fmt.Errorf("confirmation: %w", err)
	}
	return nil
}

// register buys storage for an encoded blob and registers it: in one
// transaction where the chain can, as Walrus clients do on Sui.
func (c *Client) register(ctx context.Context, eb *encoding.EncodedBlob, epoch chain.Epoch, epochs uint32, deletable bool) (chain.Blob, Resource, error) {
	// Storage the wallet holds already (a deleted blob's) goes first.
	if f, ok := c.chain.(chain.StorageFinder); ok {
		owned, err := f.OwnedStorage(ctx)
		if err != nil {
			return chain.Blob{}, 0, fmt.Errorf("look for the wallet's storage: %w", err)
		}
		if st, ok := chain.FitStorage(owned, eb.Params.EncodedLength(), epoch, epoch+epochs); ok {
			obj, err := c.chain.RegisterBlob(ctx, st.ID, eb.ID, eb.Metadata.RootHash(), eb.Params.UnencodedLength, encoding.EncodingRS2, deletable)
			if err == nil {
				c.log.Info("registered on storage the wallet held", "blob", eb.ID, "storage", fmt.Sprintf("%x", st.ID[:8]), "end_epoch", st.EndEpoch)
				return obj, HeldStorage, nil
			}
			// Taken meanwhile, or refused: buy new space instead.
			c.log.Info("registering on the wallet's storage failed; buying new", "blob", eb.ID, "err", err)
		}
	}
	if r, ok := c.chain.(chain.BlobRegistrar); ok {
		obj, err := r.ReserveAndRegister(ctx, epochs, eb.ID, eb.Metadata.RootHash(), eb.Params.UnencodedLength, encoding.EncodingRS2, deletable)
		if err != nil {
			return chain.Blob{}, 0, fmt.Errorf("register: %w", err)
		}
		return obj, NewStorage, nil
	}
	storage, err := c.chain.ReserveStorage(ctx, eb.Params.EncodedLength(), epochs)
	if err != nil {
		return chain.Blob{}, 0, fmt.Errorf("reserve storage: %w", err)
	}
	obj, err := c.chain.RegisterBlob(ctx, storage.ID, eb.ID, eb.Metadata.RootHash(), eb.Params.UnencodedLength, encoding.EncodingRS2, deletable)
	if err != nil {
		return chain.Blob{}, 0, fmt.Errorf("register: %w", err)
	}
	return obj, NewStorage, nil
}

// maxEpochRetries bounds how many epoch changes one store follows: more
// than one only on networks whose epochs are shorter than a store.
const maxEpochRetries = 3

// epochMoved reads the committee again, fresh where the chain caches it,
// and tells whether its epoch is past com's.
func (c *Client) epochMoved(ctx context.Context, com *chain.Committee) (*chain.Committee, bool) {
	if r, ok := c.chain.(chain.Refresher); ok {
		r.Refresh()
	}
	next, err := c.chain.Committee(ctx)
	if err != nil || next.Epoch <= com.Epoch {
		return nil, false
	}
	return next, true
}
