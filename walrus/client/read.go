package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// Read returns the blob with the given ID.
func (c *Client) Read(ctx context.Context, id encoding.BlobID) ([]byte, error) {
	blob, _, err := c.read(ctx, id)
	return blob, err
}

// ReadStrict is Read with Walrus's strict consistency check: the blob read
// is encoded again and must give its ID (else ErrBlobIDMismatch), so that
// a blob its writer encoded wrongly is refused even if every sliver read
// matches the metadata.
func (c *Client) ReadStrict(ctx context.Context, id encoding.BlobID) ([]byte, error) {
	blob, enc, err := c.read(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, got, err := enc.ComputeMetadata(blob); err != nil || got != id {
		return nil, fmt.Errorf("read %s: %w %s (%v): it was not encoded correctly when stored", id, ErrBlobIDMismatch, got, err)
	}
	return blob, nil
}

// read is Read, also returning the encoder it used.
func (c *Client) read(ctx context.Context, id encoding.BlobID) ([]byte, *encoding.Encoder, error) {
	coms, enc, m, err := c.readSetup(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, _ := m.Params()
	var slivers []*encoding.Sliver
	for _, com := range coms {
		if slivers, err = c.fetchSlivers(ctx, com, enc, id, m, encoding.Primary, allPairs(p.NShards), p.PrimarySymbols); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", id, err)
	}
	blob, err := enc.DecodeVerifiedSlivers(m, slivers)
	releaseSlivers(slivers)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", id, err)
	}
	return blob, enc, nil
}

// ReadRange returns length bytes of the blob from offset off, fetching only
// the systematic primary slivers that hold them; if some of those cannot be
// had, it falls back to reading the whole blob.
func (c *Client) ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error) {
	coms, enc, m, err := c.readSetup(ctx, id)
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
	if blob := c.decodedBlob(id); blob != nil {
		return bytes.Clone(blob[off : off+length]), nil
	}
	var slivers []*encoding.Sliver
	for _, com := range coms {
		if slivers, err = c.fetchSlivers(ctx, com, enc, id, m, encoding.Primary, pairs, len(pairs)); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		c.log.Info("range read falls back to a full read", "blob", id, "err", err)
		blob, err := c.Read(ctx, id)
		if err == nil {
			// The next ranges of this blob likely need the same nodes.
			c.keepDecoded(id, blob)
		}
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

// Size returns a blob's length, from its verified metadata.
func (c *Client) Size(ctx context.Context, id encoding.BlobID) (uint64, error) {
	_, _, m, err := c.readSetup(ctx, id)
	if err != nil {
		return 0, err
	}
	return m.UnencodedLength, nil
}

// ReaderAt reads a blob at random offsets up to end (its length, or less),
// each read fetching only the slivers that hold its range.
func (c *Client) ReaderAt(ctx context.Context, id encoding.BlobID, end uint64) io.ReaderAt {
	return blobReaderAt{ctx: ctx, c: c, id: id, end: end}
}

type blobReaderAt struct {
	ctx context.Context
	c   *Client
	id  encoding.BlobID
	end uint64
}

func (r blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || uint64(off) >= r.end {
		return 0, io.EOF
	}
	n := min(uint64(len(p)), r.end-uint64(off))
	b, err := r.c.ReadRange(r.ctx, r.id, uint64(off), n)
	if err != nil {
		return 0, err
	}
	copy(p, b)
	if int(n) < len(p) {
		return int(n), io.EOF
	}
	return int(n), nil
}

func allPairs(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// readSetup reads the committee and fetches verified metadata. It returns
// the committees to read from, in order: while shards move to a new
// committee, the previous one first, which holds every blob certified
// before this epoch whole (Walrus's clients read those there), then the
// current one, which holds the blobs certified since.
func (c *Client) readSetup(ctx context.Context, id encoding.BlobID) ([]*chain.Committee, *encoding.Encoder, *encoding.Metadata, error) {
	com, err := c.chain.Committee(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: read committee: %w", id, err)
	}
	coms := []*chain.Committee{com}
	if prev := com.ReadCommittee(0); prev != com && prev.NShards == com.NShards {
		coms = []*chain.Committee{prev, com}
	}
	enc, err := c.encoder(com.NShards)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", id, err)
	}
	m := c.cachedMetadata(id, com.NShards)
	for _, rc := range coms {
		if m != nil {
			break
		}
		if m, err = c.fetchMetadata(ctx, rc, id); err != nil && ctx.Err() != nil {
			break
		}
	}
	if m == nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", id, err)
	}
	c.cacheMetadata(id, com.NShards, m)
	return coms, enc, m, nil
}

// maxCachedMetadata bounds the verified metadata kept for later reads (a
// mount reads a blob window by window); at 1000 shards each is ~66 KB.
const maxCachedMetadata = 256

type metadataKey struct {
	id      encoding.BlobID
	nShards int
}

// cachedMetadata returns metadata fetched and verified for an earlier read.
// It is bound to the blob ID by its root hash, so it cannot go stale.
func (c *Client) cachedMetadata(id encoding.BlobID, nShards int) *encoding.Metadata {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.metadata[metadataKey{id, nShards}]
}

func (c *Client) cacheMetadata(id encoding.BlobID, nShards int, m *encoding.Metadata) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.metadata) >= maxCachedMetadata {
		for k := range c.metadata { // drop an arbitrary one
			delete(c.metadata, k)
			break
		}
	}
	c.metadata[metadataKey{id, nShards}] = m
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
		err := c.retryN(ctx, 0, metadataSize(com.NShards), func(ctx context.Context) error {
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
	return nil, fmt.Errorf("%w: %w", ErrNoMetadata, errors.Join(errs...))
}

// fetchSlivers fetches verified slivers of an axis of the given pairs, in
// that order of preference, until it has need of them: first exactly the
// first need pairs (systematic ones for a whole read, so no decoding is
// needed), then, for each one missing, the next pairs.
func (c *Client) fetchSlivers(ctx context.Context, com *chain.Committee, enc *encoding.Encoder, id encoding.BlobID, m *encoding.Metadata, axis encoding.Axis, pairs []int, need int) ([]*encoding.Sliver, error) {
	p, _ := m.Params()
	members := c.members(com)
	var (
		got     []*encoding.Sliver
		have    = map[uint16]bool{}
		invalid int
		total   = int64(need) * int64(p.SliverSize(axis))
		done    int64
	)
	// Nodes that failed a request lately are skipped at first; only if the
	// others cannot serve enough are they asked again.
	lately := c.downNodes(com)
	for pass := 0; pass < 2 && len(got) < need; pass++ {
		down := slices.Clone(lately)
		if pass == 1 {
			if !slices.Contains(lately, true) {
				break
			}
			down = make([]bool, len(lately))
		}
		var todo []int
		for _, pair := range pairs {
			if !have[uint16(pair)] {
				todo = append(todo, pair)
			}
		}
		for next := 0; len(got) < need && next < len(todo); {
			wave := todo[next:min(len(todo), next+need-len(got))]
			next += len(wave)
			fetched, bad := c.fetchWave(ctx, com, members, enc, id, m, axis, wave, down)
			invalid += bad
			for _, s := range fetched {
				got = append(got, s)
				have[uint16(encoding.PairIndex(axis, int(s.Index), p.NShards))] = true
				done += int64(len(s.Data))
				if c.opts.Progress != nil {
					c.opts.Progress(done, total)
				}
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}
	if len(got) < need {
		releaseSlivers(got)
		return nil, fmt.Errorf("%w: %d of %d needed (%d invalid)", ErrNotEnoughSlivers, len(got), need, invalid)
	}
	return got, nil
}

// fetchWave fetches and verifies the slivers of an axis of pairs
// concurrently, returning those it could get and the number that failed
// verification.
func (c *Client) fetchWave(ctx context.Context, com *chain.Committee, members []member, enc *encoding.Encoder, id encoding.BlobID, m *encoding.Metadata, axis encoding.Axis, pairs []int, down []bool) ([]*encoding.Sliver, int) {
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
		mu.Lock()
		skip := owner < 0 || down[owner]
		mu.Unlock()
		if skip {
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
			err := c.retry(ctx, int64(p.SliverSize(axis)), func(ctx context.Context) error {
				var err error
				s, err = mem.api.GetSliver(ctx, id, pair, axis, p.SliverSize(axis))
				return err
			})
			if err != nil {
				c.log.Debug("sliver unavailable", "node", mem.node.Name, "pair", pair, "err", err)
				if !isPermanent(err) {
					mu.Lock()
					down[owner] = true
					mu.Unlock()
					c.markDown(mem.node.Address)
				}
				return
			}
			if want := encoding.SliverIndex(axis, pair, p.NShards); s.Axis != axis || int(s.Index) != want {
				err = fmt.Errorf("asked for %s sliver %d (pair %d), got %s sliver %d", axis, want, pair, s.Axis, s.Index)
			} else {
				err = enc.VerifySliver(m, s)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				c.log.Warn("node sent an invalid sliver", "node", mem.node.Name, "addr", mem.node.Address, "blob", id, "axis", axis, "pair", pair, "err", err)
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

// downFor is how long a node that failed a read request is skipped by
// later reads (it is tried again after, or when no other node can serve).
const downFor = 10 * time.Second

// markDown records that a node failed a request.
func (c *Client) markDown(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[addr] = time.Now().Add(downFor)
}

// downNodes tells, by committee index, which nodes failed lately.
func (c *Client) downNodes(com *chain.Committee) []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]bool, len(com.Members))
	now := time.Now()
	for i, m := range com.Members {
		if until, ok := c.down[m.Address]; ok {
			if now.Before(until) {
				out[i] = true
			} else {
				delete(c.down, m.Address)
			}
		}
	}
	return out
}

// maxDecodedBlob bounds the blob a range read keeps after it had to decode
// the whole of it.
const maxDecodedBlob = 256 << 20

// keepDecoded keeps the last blob a range read decoded whole, so that the
// reads of its other ranges, which would need the same missing slivers, do
// not decode it again.
func (c *Client) keepDecoded(id encoding.BlobID, blob []byte) {
	if len(blob) > maxDecodedBlob {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastID, c.lastBlob = id, blob
}

func (c *Client) decodedBlob(id encoding.BlobID) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastBlob != nil && c.lastID == id {
		return c.lastBlob
	}
	return nil
}

// Params returns a blob's encoding parameters, from its verified metadata:
// a range read fetches whole systematic primary slivers (rows), so readers
// that align their ranges to PrimarySliverSize fetch and verify each once,
// and a quilt's layout follows from them.
func (c *Client) Params(ctx context.Context, id encoding.BlobID) (encoding.Params, error) {
	_, _, m, err := c.readSetup(ctx, id)
	if err != nil {
		return encoding.Params{}, err
	}
	return m.Params()
}
