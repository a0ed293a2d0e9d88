package node

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// fail writes an error envelope.
func fail(w http.ResponseWriter, code int, reason string, format string, args ...any) {
	api.WriteError(w, code, reason, fmt.Sprintf(format, args...))
}

// writeBCS answers 200 with a BCS body.
func writeBCS(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", api.ContentTypeBCS)
	// An announced length lets the client read a sliver into one buffer
	// instead of growing one through chunked encoding.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// internal reports an unexpected failure without leaking details.
func (n *Node) internal(w http.ResponseWriter, r *http.Request, err error) {
	n.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	fail(w, http.StatusInternalServerError, api.ReasonInternal, "internal error")
}

func pathBlobID(w http.ResponseWriter, r *http.Request) (encoding.BlobID, bool) {
	id, err := encoding.ParseBlobID(r.PathValue("id"))
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidBlobID, "%v", err)
		return id, false
	}
	return id, true
}

// pathPair parses the pair index and axis of a sliver route.
func (n *Node) pathPair(w http.ResponseWriter, r *http.Request) (int, encoding.Axis, bool) {
	c, _, _ := n.view()
	axis, err := encoding.ParseAxis(r.PathValue("axis"))
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "%v", err)
		return 0, 0, false
	}
	pair, err := strconv.Atoi(r.PathValue("pair"))
	if err != nil || pair < 0 || pair >= c.NShards {
		fail(w, http.StatusBadRequest, api.ReasonIndexOutOfRange, "sliver pair %q is not in [0, %d)", r.PathValue("pair"), c.NShards)
		return 0, 0, false
	}
	return pair, axis, true
}

// registration tells whether the chain has a live registration of the blob.
func (n *Node) registration(r *http.Request, id encoding.BlobID) (registered, invalid bool, err error) {
	st, err := n.chain.BlobStatus(r.Context(), id)
	if err != nil {
		return false, false, fmt.Errorf("blob status: %w", err)
	}
	return st.Exists && st.Invalid == nil, st.Invalid != nil, nil
}

// metadata returns the blob's metadata (buffered metadata too when pending),
// or answers the request: absent metadata with status code, with the
// reason METADATA_NOT_FOUND.
func (n *Node) metadata(w http.ResponseWriter, r *http.Request, id encoding.BlobID, pending bool, code int) (*encoding.Metadata, bool) {
	m, err := n.store.Metadata(id, pending)
	if errors.Is(err, ErrNotFound) {
		fail(w, code, api.ReasonMetadataNotFound, "no metadata for blob %s", id)
		return nil, false
	}
	if err != nil {
		n.internal(w, r, err)
		return nil, false
	}
	return m, true
}

func (n *Node) getMetadata(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	m, ok := n.metadata(w, r, id, false, http.StatusNotFound)
	if !ok {
		return
	}
	writeBCS(w, m.MarshalBCSWithID(id))
}

func (n *Node) putMetadata(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	c, _, _ := n.view()
	body, release, ok := n.readBody(w, r, int64(64+66*c.NShards), api.ReasonInvalidMetadata)
	if !ok {
		return
	}
	defer release()
	m, err := encoding.UnmarshalMetadata(body)
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidMetadata, "%v", err)
		return
	}
	if err := m.Verify(id, c.NShards); err != nil {
		reason := api.ReasonInvalidMetadata
		if errors.Is(err, encoding.ErrUnsupportedEncoding) {
			reason = api.ReasonUnsupportedEncoding
		}
		fail(w, http.StatusBadRequest, reason, "%v", err)
		return
	}
	registered, invalid, err := n.registration(r, id)
	if err != nil {
		n.internal(w, r, err)
		return
	}
	if invalid {
		fail(w, http.StatusBadRequest, api.ReasonBlobInvalid, "blob %s was marked invalid", id)
		return
	}
	if has, err := n.store.HasMetadata(id, false); err == nil && has {
		api.WriteSuccess(w, http.StatusOK, "metadata already stored")
		return
	}
	if !registered {
		if r.URL.Query().Get("pending") != "true" {
			fail(w, http.StatusBadRequest, api.ReasonNotRegistered, "blob %s is not registered", id)
			return
		}
		if err := n.store.PutMetadata(id, m, true); err != nil {
			n.storeFailed(w, r, err)
			return
		}
		api.WriteSuccess(w, http.StatusAccepted, "metadata buffered until the blob is registered")
		return
	}
	if err := n.store.PutMetadata(id, m, false); err != nil {
		n.storeFailed(w, r, err)
		return
	}
	if err := n.store.Promote(id); err != nil {
		n.internal(w, r, err)
		return
	}
	api.WriteSuccess(w, http.StatusCreated, "metadata stored")
}

func (n *Node) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrCacheSaturated) {
		fail(w, http.StatusTooManyRequests, api.ReasonCacheSaturated, "buffer for unregistered blobs is full")
		return
	}
	n.internal(w, r, err)
}

func (n *Node) metadataStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	status := api.StatusNonexistent
	if has, _ := n.store.HasMetadata(id, false); has {
		status = api.StatusStored
	} else if has, _ := n.store.HasMetadata(id, true); has {
		status = api.StatusBuffered
	}
	api.WriteSuccess(w, http.StatusOK, status)
}

// ownedShard returns the shard of a pair if this node holds it; reads
// (forReading) are also served for a shard it is handing over.
func (n *Node) ownedShard(w http.ResponseWriter, id encoding.BlobID, pair int, forReading bool) (uint16, bool) {
	c, shards, _ := n.view()
	shard := uint16(id.ShardForPair(pair, c.NShards))
	if !shards[shard] && !(forReading && n.servesShard(shard)) {
		fail(w, http.StatusBadRequest, api.ReasonShardNotAssigned, "shard %d of sliver pair %d is not held by this node", shard, pair)
		return 0, false
	}
	return shard, true
}

// sliverRoute parses a sliver route: the blob, the pair and axis, and the
// shard of the pair, which this node must hold.
func (n *Node) sliverRoute(w http.ResponseWriter, r *http.Request) (id encoding.BlobID, pair int, axis encoding.Axis, shard uint16, ok bool) {
	if id, ok = pathBlobID(w, r); !ok {
		return
	}
	if pair, axis, ok = n.pathPair(w, r); !ok {
		return
	}
	shard, ok = n.ownedShard(w, id, pair, r.Method == http.MethodGet)
	return
}

func (n *Node) getSliver(w http.ResponseWriter, r *http.Request) {
	id, pair, axis, shard, ok := n.sliverRoute(w, r)
	if !ok {
		return
	}
	s, err := n.store.Sliver(id, shard, axis)
	if errors.Is(err, ErrNotFound) {
		fail(w, http.StatusNotFound, api.ReasonSliverNotFound, "no %s sliver of pair %d of blob %s", axis, pair, id)
		return
	}
	if err != nil {
		n.internal(w, r, err)
		return
	}
	// Written in place, without a marshalled copy of a large sliver.
	defer bufpool.Put(s.Data)
	head, tail := s.BCSFraming()
	w.Header().Set("Content-Type", api.ContentTypeBCS)
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(s.Data)+len(tail)))
	for _, part := range [][]byte{head, s.Data, tail} {
		if _, err := w.Write(part); err != nil {
			return
		}
	}
}

func (n *Node) putSliver(w http.ResponseWriter, r *http.Request) {
	id, pair, axis, shard, ok := n.sliverRoute(w, r)
	if !ok {
		n.metrics.rejected.WithLabelValues("bad_route").Inc()
		return
	}
	c, _, enc := n.view()
	m, ok := n.metadata(w, r, id, true, http.StatusBadRequest)
	if !ok {
		return
	}
	p, err := m.Params()
	if err != nil {
		n.internal(w, r, err)
		return
	}
	// Whether the chain registers the blob is settled before any byte of
	// the body is read: only then is the size in its metadata the one its
	// registration fixed, rather than one chosen by whoever uploaded
	// pending metadata.
	pending := false
	if stored, err := n.store.HasMetadata(id, false); err != nil {
		n.internal(w, r, err)
		return
	} else if !stored {
		registered, invalid, err := n.registration(r, id)
		switch {
		case err != nil:
			n.internal(w, r, err)
			return
		case invalid:
			fail(w, http.StatusBadRequest, api.ReasonBlobInvalid, "blob %s was marked invalid", id)
			return
		case registered:
			if err := n.store.Promote(id); err != nil {
				n.internal(w, r, err)
				return
			}
		case r.URL.Query().Get("pending") == "true":
			pending = true
		default:
			fail(w, http.StatusBadRequest, api.ReasonNotRegistered, "blob %s is not registered", id)
			return
		}
	}
	limit := int64(p.SliverSize(axis)) + 128
	if pending {
		limit = min(limit, n.limits.MaxPendingSliver)
	}
	body, release, ok := n.readBody(w, r, limit, api.ReasonSliverTooLarge)
	if !ok {
		n.metrics.rejected.WithLabelValues(api.ReasonSliverTooLarge).Inc()
		return
	}
	// The body's bytes stay charged to the budget until the sliver is
	// verified (a re-encoding) and stored.
	defer release()
	// The sliver aliases body; the store keeps its own copy.
	defer bufpool.Put(body)
	s, err := encoding.UnmarshalSliver(axis, body)
	if err != nil {
		n.metrics.rejected.WithLabelValues(api.ReasonInvalidSliver).Inc()
		fail(w, http.StatusBadRequest, api.ReasonInvalidSliver, "%v", err)
		return
	}
	if want := encoding.SliverIndex(axis, pair, c.NShards); int(s.Index) != want {
		n.metrics.rejected.WithLabelValues(api.ReasonSliverIndexMismatch).Inc()
		fail(w, http.StatusBadRequest, api.ReasonSliverIndexMismatch, "%s sliver %d sent for pair %d, whose sliver is %d", axis, s.Index, pair, want)
		return
	}
	if has, err := n.store.HasSliver(id, shard, axis); err == nil && has {
		api.WriteSuccess(w, http.StatusOK, "sliver already stored")
		return
	}
	if err := enc.VerifySliver(m, s); err != nil {
		n.metrics.rejected.WithLabelValues(api.ReasonInvalidSliver).Inc()
		n.log.Warn("rejected invalid sliver", "blob", id, "pair", pair, "axis", axis, "remote", r.RemoteAddr, "err", err)
		fail(w, http.StatusBadRequest, api.ReasonInvalidSliver, "%v", err)
		return
	}
	if err := n.store.PutSliver(id, shard, s, pending); err != nil {
		n.storeFailed(w, r, err)
		return
	}
	n.metrics.stored.WithLabelValues(axis.String()).Inc()
	if pending {
		api.WriteSuccess(w, http.StatusAccepted, "sliver buffered until the blob is registered")
		return
	}
	api.WriteSuccess(w, http.StatusCreated, "sliver stored")
}

func (n *Node) sliverStatus(w http.ResponseWriter, r *http.Request) {
	id, _, axis, shard, ok := n.sliverRoute(w, r)
	if !ok {
		return
	}
	status := api.StatusNonexistent
	if has, err := n.store.HasSliver(id, shard, axis); err == nil && has {
		status = api.StatusStored
	}
	api.WriteSuccess(w, http.StatusOK, status)
}

type signedData struct {
	Signed messages.SignedMessage `json:"signed"`
}

func (n *Node) confirmation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	conf := messages.StorageConfirmation{BlobID: id}
	if obj := r.PathValue("object"); obj != "" {
		raw, err := hex.DecodeString(strings.TrimPrefix(obj, "0x"))
		if err != nil || len(raw) != 32 {
			fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "object ID %q is not 32 bytes of hex", obj)
			return
		}
		conf.Deletable = true
		copy(conf.ObjectID[:], raw)
	}
	if ok, err := n.registeredAs(r, conf); err != nil {
		n.internal(w, r, err)
		return
	} else if !ok {
		fail(w, http.StatusBadRequest, api.ReasonNotRegistered, "blob %s is not registered as requested", id)
		return
	}
	if stored, err := n.store.HasMetadata(id, false); err == nil && !stored {
		if err := n.store.Promote(id); err != nil {
			n.internal(w, r, err)
			return
		}
	}
	missing, err := n.missingSlivers(id)
	if err != nil {
		n.internal(w, r, err)
		return
	}
	if missing > 0 {
		fail(w, http.StatusBadRequest, api.ReasonMissingSlivers, "%d slivers of this node's shards are missing", missing)
		return
	}
	// A confirmation promises the slivers are kept: they must be on disk.
	if err := n.syncs.Do(); err != nil {
		n.internal(w, r, err)
		return
	}
	c, _, _ := n.view()
	conf.Epoch = c.Epoch
	api.WriteSuccess(w, http.StatusOK, signedData{Signed: messages.Sign(n.key, conf.Marshal())})
}

// registeredAs checks the chain for the registration a confirmation is for.
func (n *Node) registeredAs(r *http.Request, conf messages.StorageConfirmation) (bool, error) {
	if conf.Deletable {
		b, err := n.chain.Blob(r.Context(), conf.ObjectID)
		if errors.Is(err, chain.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("blob object: %w", err)
		}
		// The object must also be alive: its storage covers the epoch the
		// confirmation is signed for (end epochs are exclusive).
		c, _, _ := n.view()
		return b.BlobID == conf.BlobID && b.Deletable && c.Epoch < b.Storage.EndEpoch, nil
	}
	st, err := n.chain.BlobStatus(r.Context(), conf.BlobID)
	if err != nil {
		return false, fmt.Errorf("blob status: %w", err)
	}
	return st.Invalid == nil && st.Permanent != nil, nil
}

// missingSlivers counts the slivers of this node's shards it lacks for a blob.
func (n *Node) missingSlivers(id encoding.BlobID) (int, error) {
	missing := 0
	for shard := range n.ownedPairs(id) {
		for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
			has, err := n.store.HasSliver(id, shard, axis)
			if err != nil {
				return 0, err
			}
			if !has {
				missing++
			}
		}
	}
	return missing, nil
}

func (n *Node) recoverySymbols(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	c, _, enc := n.view()
	q := r.URL.Query()
	target, err := encoding.ParseAxis(q.Get("targetType"))
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "%v", err)
		return
	}
	index, err := strconv.Atoi(q.Get("targetSliver"))
	if err != nil || index < 0 || index >= c.NShards {
		fail(w, http.StatusBadRequest, api.ReasonIndexOutOfRange, "target sliver %q is not in [0, %d)", q.Get("targetSliver"), c.NShards)
		return
	}
	m, ok := n.metadata(w, r, id, false, http.StatusNotFound)
	if !ok {
		return
	}
	if !n.heavy.take(r.Context()) {
		fail(w, http.StatusTooManyRequests, api.ReasonUnavailable, "too many recovery requests at once; retry later")
		return
	}
	defer n.heavy.release()
	source := target.Orthogonal()
	var syms []encoding.RecoverySymbol
	for shard := range n.ownedPairs(id) {
		s, err := n.store.Sliver(id, shard, source)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			n.internal(w, r, err)
			return
		}
		got, err := enc.RecoverySymbols(m, s, []int{index})
		if err != nil {
			n.internal(w, r, err)
			return
		}
		syms = append(syms, got...)
	}
	if len(syms) == 0 {
		fail(w, http.StatusNotFound, api.ReasonSliverNotFound, "no %s slivers of blob %s here", source, id)
		return
	}
	writeBCS(w, encoding.MarshalRecoverySymbols(syms))
}

func (n *Node) inconsistencyProof(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	axis, err := encoding.ParseAxis(r.PathValue("axis"))
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "%v", err)
		return
	}
	m, ok := n.metadata(w, r, id, true, http.StatusBadRequest)
	if !ok {
		return
	}
	p, _ := m.Params()
	c, _, enc := n.view()
	// At most k_s symbols, each with data and a proof of ⌈log2 n⌉+1 nodes.
	limit := int64(p.SecondarySymbols)*int64(p.SymbolSize+16+33*(bitsLen(c.NShards)+1)) + 64
	if stored, err := n.store.HasMetadata(id, false); err != nil || !stored {
		// Pending metadata's size is anyone's choice.
		limit = min(limit, n.limits.MaxPendingSliver)
	}
	body, release, ok := n.readBody(w, r, limit, api.ReasonInvalidProof)
	if !ok {
		return
	}
	defer release()
	proof, err := encoding.UnmarshalInconsistencyProof(axis, body)
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidProof, "%v", err)
		return
	}
	if err := enc.VerifyInconsistencyProof(m, proof); err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidProof, "%v", err)
		return
	}
	n.log.Warn("blob is inconsistently encoded", "blob", id, "axis", axis, "sliver", proof.TargetIndex)
	att := messages.InvalidBlobID{Epoch: c.Epoch, BlobID: id}
	api.WriteSuccess(w, http.StatusOK, messages.Sign(n.key, att.Marshal()))
}

func bitsLen(n int) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}
