package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/messages"
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

// Store encodes blob, registers it for epochs epochs, uploads its slivers
// and certifies it.
func (c *Client) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*StoreResult, error) {
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
	eb, err := enc.Encode(blob)
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	defer eb.Release()
	lap(&tm.Encode)

	var obj chain.Blob
	found := false
	if f, ok := c.chain.(chain.BlobFinder); ok {
		if obj, found, err = f.FindOwnedBlob(ctx, eb.ID, com.Epoch+epochs, deletable); err != nil {
			return nil, fmt.Errorf("store %s: look for a copy of the wallet's: %w", eb.ID, err)
		}
		if found && obj.CertifiedEpoch != nil {
			c.log.Info("blob already certified long enough", "blob", eb.ID, "object", fmt.Sprintf("%x", obj.ID[:8]), "end_epoch", obj.Storage.EndEpoch)
			return &StoreResult{BlobID: eb.ID, Object: obj, Reused: true, Timings: tm}, nil
		}
	}
	if !found {
		if obj, err = c.register(ctx, eb, com.Epoch, epochs, deletable); err != nil {
			return nil, fmt.Errorf("store %s: %w", eb.ID, err)
		}
	}
	lap(&tm.Register)
	c.log.Info("registered blob", "blob", eb.ID, "object", fmt.Sprintf("%x", obj.ID[:8]), "size", len(blob), "epochs", epochs)

	var objectID *messages.ObjectID
	if deletable {
		objectID = &obj.ID
	}
	var (
		certified chain.Blob
		weight    int
	)
	for attempt := 0; ; attempt++ {
		var cert messages.Certificate
		cert, weight, err = c.uploadAndConfirm(ctx, com, c.members(com), eb, objectID)
		if err == nil {
			lap(&tm.Upload)
			if certified, err = c.chain.CertifyBlob(ctx, obj.ID, cert); err != nil {
				err = fmt.Errorf("certify: %w", err)
			}
		}
		if err == nil {
			break
		}
		// Confirmations are signed for an epoch: across an epoch change
		// the nodes sign for the new one, and the certificate must too.
		// Upload again to the new committee (the nodes keep what they have).
		next, moved := c.epochMoved(ctx, com)
		if attempt >= maxEpochRetries || !moved {
			return nil, fmt.Errorf("store %s: %w", eb.ID, err)
		}
		c.log.Info("the epoch changed during the store; confirming with the new committee", "blob", eb.ID, "epoch", next.Epoch)
		com = next
	}
	c.log.Info("certified blob", "blob", eb.ID, "confirmed_shards", weight)
	// This client computed the metadata itself: reads need not fetch it.
	c.cacheMetadata(eb.ID, com.NShards, eb.Metadata)
	lap(&tm.Certify)
	return &StoreResult{BlobID: eb.ID, Object: certified, ConfirmedShards: weight, Timings: tm}, nil
}

// uploadAndConfirm sends every node its metadata and slivers, and collects
// verified confirmations until they reach a quorum of shards.
func (c *Client) uploadAndConfirm(ctx context.Context, com *chain.Committee, members []member, eb *encoding.EncodedBlob, object *messages.ObjectID) (messages.Certificate, int, error) {
	expected := messages.StorageConfirmation{Epoch: com.Epoch, BlobID: eb.ID}
	if object != nil {
		expected.Deletable, expected.ObjectID = true, *object
	}
	want := expected.Marshal()

	var total int64
	for _, m := range members {
		total += int64(len(m.node.Shards)) * int64(eb.Params.PrimarySliverSize()+eb.Params.SecondarySliverSize())
	}
	var sent atomic.Int64

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, c.opts.Concurrency)
	var (
		mu      sync.Mutex
		signers []int
		signed  []messages.SignedMessage
		weight  int
		errs    []error
		wg      sync.WaitGroup
	)
	for _, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conf, err := c.uploadTo(ctx, sem, m, eb, object, &sent, total)
			if err == nil {
				err = c.checkConfirmation(conf, want, m)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					c.log.Warn("node did not confirm", "node", m.node.Name, "addr", m.node.Address, "err", err)
					errs = append(errs, fmt.Errorf("node %s: %w", m.node.Name, err))
				}
				return
			}
			signers = append(signers, m.index)
			signed = append(signed, conf)
			weight += len(m.node.Shards)
			// Nodes past the quorum still receive their slivers; only
			// waiting for them is optional, so the upload goes on until
			// every node is done or failed.
		}()
	}
	wg.Wait()
	if !com.IsQuorum(weight) {
		return messages.Certificate{}, weight, fmt.Errorf("%w: %d of %d shards confirmed: %w", ErrCertificationFailed, weight, com.NShards, errors.Join(errs...))
	}
	cert, err := messages.Aggregate(signers, signed)
	if err != nil {
		return messages.Certificate{}, weight, err
	}
	return cert, weight, nil
}

// uploadTo sends one node the metadata and the sliver pairs of its shards,
// then fetches its confirmation.
func (c *Client) uploadTo(ctx context.Context, sem chan struct{}, m member, eb *encoding.EncodedBlob, object *messages.ObjectID, sent *atomic.Int64, total int64) (messages.SignedMessage, error) {
	if len(m.node.Shards) == 0 {
		return messages.SignedMessage{}, errors.New("holds no shards")
	}
	acquire := func() bool {
		select {
		case sem <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !acquire() {
		return messages.SignedMessage{}, ctx.Err()
	}
	err := c.retry(ctx, func(ctx context.Context) error { return m.api.PutMetadata(ctx, eb.ID, eb.Metadata, true) })
	<-sem
	if err != nil {
		return messages.SignedMessage{}, fmt.Errorf("metadata: %w", err)
	}
	n := eb.Params.NShards
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(m.node.Shards))
	for _, shard := range m.node.Shards {
		pair := eb.ID.PairForShard(int(shard), n)
		for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
			if !acquire() {
				errs <- ctx.Err()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				s := eb.Sliver(axis, pair)
				err := c.retry(ctx, func(ctx context.Context) error { return m.api.PutSliver(ctx, eb.ID, pair, s, true) })
				if err != nil {
					errs <- fmt.Errorf("%s sliver of pair %d: %w", axis, pair, err)
					return
				}
				done := sent.Add(int64(len(s.Data)))
				if c.opts.Progress != nil {
					c.opts.Progress(done, total)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	if err := errors.Join(collect(errs)...); err != nil {
		return messages.SignedMessage{}, err
	}
	var conf messages.SignedMessage
	err = c.retry(ctx, func(ctx context.Context) error {
		var err error
		conf, err = m.api.Confirmation(ctx, eb.ID, object)
		return err
	})
	if err != nil {
		return messages.SignedMessage{}, fmt.Errorf("confirmation: %w", err)
	}
	return conf, nil
}

func collect(ch <-chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
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
func (c *Client) register(ctx context.Context, eb *encoding.EncodedBlob, epoch chain.Epoch, epochs uint32, deletable bool) (chain.Blob, error) {
	// Storage the wallet holds already (a deleted blob's) goes first.
	if f, ok := c.chain.(chain.StorageFinder); ok {
		owned, err := f.OwnedStorage(ctx)
		if err != nil {
			return chain.Blob{}, fmt.Errorf("look for the wallet's storage: %w", err)
		}
		if st, ok := chain.FitStorage(owned, eb.Params.EncodedLength(), epoch, epoch+epochs); ok {
			obj, err := c.chain.RegisterBlob(ctx, st.ID, eb.ID, eb.Metadata.RootHash(), eb.Params.UnencodedLength, encoding.EncodingRS2, deletable)
			if err == nil {
				c.log.Info("registered on storage the wallet held", "blob", eb.ID, "storage", fmt.Sprintf("%x", st.ID[:8]), "end_epoch", st.EndEpoch)
				return obj, nil
			}
			// Taken meanwhile, or refused: buy new space instead.
			c.log.Info("registering on the wallet's storage failed; buying new", "blob", eb.ID, "err", err)
		}
	}
	if r, ok := c.chain.(chain.BlobRegistrar); ok {
		obj, err := r.ReserveAndRegister(ctx, epochs, eb.ID, eb.Metadata.RootHash(), eb.Params.UnencodedLength, encoding.EncodingRS2, deletable)
		if err != nil {
			return chain.Blob{}, fmt.Errorf("register: %w", err)
		}
		return obj, nil
	}
	storage, err := c.chain.ReserveStorage(ctx, eb.Params.EncodedLength(), epochs)
	if err != nil {
		return chain.Blob{}, fmt.Errorf("reserve storage: %w", err)
	}
	obj, err := c.chain.RegisterBlob(ctx, storage.ID, eb.ID, eb.Metadata.RootHash(), eb.Params.UnencodedLength, encoding.EncodingRS2, deletable)
	if err != nil {
		return chain.Blob{}, fmt.Errorf("register: %w", err)
	}
	return obj, nil
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
