package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// Read returns the blob with the given ID.
func (c *Client) Read(ctx context.Context, id encoding.BlobID) ([]byte, error) {
	com, enc, m, err := c.readSetup(ctx, id)
	if err != nil {
		return nil, err
	}
	p, _ := m.Params()
	slivers, err := c.fetchPrimary(ctx, com, enc, id, m, allPairs(p.NShards), p.PrimarySymbols)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", id, err)
	}
	blob, err := enc.DecodeVerifiedSlivers(m, slivers)
	releaseSlivers(slivers)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", id, err)
	}
	return blob, nil
}

// ReadRange returns length bytes of the blob from offset off, fetching only
// the systematic primary slivers that hold them; if some of those cannot be
// had, it falls back to reading the whole blob.
func (c *Client) ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error) {
	com, enc, m, err := c.readSetup(ctx, id)
	if err != nil {
		return nil, err
	}
	if off > m.UnencodedLength || length > m.UnencodedLength-off {
		return nil, fmt.Errorf("read %s: range [%d, %d) outside the blob's %d bytes", id, off, off+length, m.UnencodedLength)
	}
	if length == 0 {
		return []byte{}, nil
	}
	p, _ := m.Params()
	rowLen := uint64(p.PrimarySliverSize())
	first, last := int(off/rowLen), int((off+length-1)/rowLen)
	var pairs []int
	for i := first; i <= last; i++ {
		pairs = append(pairs, i) // systematic primary sliver i is pair i
	}
	slivers, err := c.fetchPrimary(ctx, com, enc, id, m, pairs, len(pairs))
	if err != nil {
		c.log.Info("range read falls back to a full read", "blob", id, "err", err)
		blob, err := c.Read(ctx, id)
		if err != nil {
			return nil, err
		}
		return blob[off : off+length], nil
	}
	sort.Slice(slivers, func(i, j int) bool { return slivers[i].Index < slivers[j].Index })
	out := make([]byte, 0, length)
	for _, s := range slivers {
		rowStart := uint64(s.Index) * rowLen
		lo := max(off, rowStart) - rowStart
		hi := min(off+length, rowStart+rowLen) - rowStart
		out = append(out, s.Data[lo:hi]...)
	}
	releaseSlivers(slivers)
	return out, nil
}

func allPairs(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// readSetup reads the committee and fetches verified metadata.
func (c *Client) readSetup(ctx context.Context, id encoding.BlobID) (*chain.Committee, *encoding.Encoder, *encoding.Metadata, error) {
	com, err := c.chain.Committee(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: read committee: %w", id, err)
	}
	enc, err := c.encoder(com.NShards)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", id, err)
	}
	m, err := c.fetchMetadata(ctx, com, id)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", id, err)
	}
	return com, enc, m, nil
}

// fetchMetadata asks nodes in random order; the first metadata that matches
// the blob ID wins. If nodes holding a quorum of shards say they have none,
// the blob does not exist.
func (c *Client) fetchMetadata(ctx context.Context, com *chain.Committee, id encoding.BlobID) (*encoding.Metadata, error) {
	members := c.members(com)
	rand.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	notFound := 0
	var errs []error
	for _, m := range members {
		// Another node is the retry: trying them in turn beats waiting on one.
		var md *encoding.Metadata
		err := c.retryN(ctx, 0, func(ctx context.Context) error {
			var err error
			md, err = m.api.GetMetadata(ctx, id, com.NShards)
			return err
		})
		if err == nil {
			if err = md.Verify(id, com.NShards); err == nil {
				return md, nil
			}
			c.log.Warn("node sent metadata that does not match the blob ID", "node", m.node.Name, "addr", m.node.Address, "blob", id, "err", err)
		}
		if nodeclient.IsNotFound(err) {
			notFound += len(m.node.Shards)
			if com.IsQuorum(notFound) {
				return nil, fmt.Errorf("%w: nodes holding %d of %d shards have no metadata", ErrBlobNotFound, notFound, com.NShards)
			}
		}
		errs = append(errs, fmt.Errorf("node %s: %w", m.node.Name, err))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("no valid metadata: %w", errors.Join(errs...))
}

// fetchPrimary fetches verified primary slivers of the given pairs, in that
// order of preference, until it has need of them: first exactly the first
// need pairs (systematic ones for a whole read, so no decoding is needed),
// then, for each one missing, the next pairs.
func (c *Client) fetchPrimary(ctx context.Context, com *chain.Committee, enc *encoding.Encoder, id encoding.BlobID, m *encoding.Metadata, pairs []int, need int) ([]*encoding.Sliver, error) {
	p, _ := m.Params()
	members := c.members(com)
	var (
		got     []*encoding.Sliver
		invalid int
		total   = int64(need) * int64(p.PrimarySliverSize())
		done    int64
		next    int
	)
	for len(got) < need && next < len(pairs) {
		wave := pairs[next:min(len(pairs), next+need-len(got))]
		next += len(wave)
		fetched, bad := c.fetchWave(ctx, com, members, enc, id, m, wave)
		invalid += bad
		for _, s := range fetched {
			got = append(got, s)
			done += int64(len(s.Data))
			if c.opts.Progress != nil {
				c.opts.Progress(done, total)
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if len(got) < need {
		return nil, fmt.Errorf("%w: %d of %d needed (%d invalid)", ErrNotEnoughSlivers, len(got), need, invalid)
	}
	return got, nil
}

// fetchWave fetches and verifies the primary slivers of pairs concurrently,
// returning those it could get and the number that failed verification.
func (c *Client) fetchWave(ctx context.Context, com *chain.Committee, members []member, enc *encoding.Encoder, id encoding.BlobID, m *encoding.Metadata, pairs []int) ([]*encoding.Sliver, int) {
	p, _ := m.Params()
	var (
		mu      sync.Mutex
		got     []*encoding.Sliver
		invalid int
		wg      sync.WaitGroup
		sem     = make(chan struct{}, c.opts.Concurrency)
	)
	for _, pair := range pairs {
		owner := com.ShardOwner(uint16(id.ShardForPair(pair, com.NShards)))
		if owner < 0 {
			continue
		}
		mem := members[owner]
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return got, invalid
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var s *encoding.Sliver
			err := c.retry(ctx, func(ctx context.Context) error {
				var err error
				s, err = mem.api.GetSliver(ctx, id, pair, encoding.Primary, p.PrimarySliverSize())
				return err
			})
			if err != nil {
				c.log.Debug("sliver unavailable", "node", mem.node.Name, "pair", pair, "err", err)
				return
			}
			if int(s.Index) != pair {
				err = fmt.Errorf("asked for pair %d, got sliver %d", pair, s.Index)
			} else {
				err = enc.VerifySliver(m, s)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				c.log.Warn("node sent an invalid sliver", "node", mem.node.Name, "addr", mem.node.Address, "blob", id, "pair", pair, "err", err)
				invalid++
				bufpool.Put(s.Data)
				return
			}
			got = append(got, s)
		}()
	}
	wg.Wait()
	return got, invalid
}

// releaseSlivers gives the buffers of fetched slivers back once their bytes
// were copied out.
func releaseSlivers(slivers []*encoding.Sliver) {
	for _, s := range slivers {
		bufpool.Put(s.Data)
	}
}
