package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// storeQuery is what PUT /v1/blobs asks for.
type storeQuery struct {
	epochs    uint32
	permanent bool
	force     bool // store even when the blob is certified long enough
	reuse     bool // reuse_resources: the wallet's blob objects may serve
	sendTo    *chain.Address
}

// storeParams are the query parameters Walrus's publisher takes.
var storeParams = map[string]bool{
	"epochs": true, "permanent": true, "deletable": true, "force": true, "send_object_to": true,
	"share": true, "encoding_type": true, "quilt_version": true, "reuse_resources": true,
}

// parseStoreQuery reads a store's query as Walrus's publisher does: one
// epoch and a deletable blob by default; unknown parameters are refused,
// since a misspelt one would silently store otherwise than asked.
func parseStoreQuery(q url.Values) (storeQuery, *apiError) {
	out := storeQuery{epochs: 1}
	for k, v := range q {
		if !storeParams[k] {
			return out, invalid("MALFORMED_REQUEST", "unknown query parameter %q", k)
		}
		if len(v) > 1 {
			return out, invalid("MALFORMED_REQUEST", "query parameter %q given %d times", k, len(v))
		}
	}
	if v := q.Get("epochs"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return out, invalid("MALFORMED_REQUEST", "epochs=%q: want a number of epochs from 1", v)
		}
		out.epochs = uint32(n)
	}
	var deletable, share bool
	var err error
	for _, p := range []struct {
		name string
		to   *bool
	}{{"permanent", &out.permanent}, {"deletable", &deletable}, {"force", &out.force}, {"reuse_resources", &out.reuse}, {"share", &share}} {
		if *p.to, err = boolParam(q, p.name); err != nil {
			return out, invalid("MALFORMED_REQUEST", "%v", err)
		}
	}
	if out.permanent && deletable {
		return out, invalid("INVALID_BLOB_PERSISTENCE", "a blob cannot be both deletable and permanent")
	}
	if share {
		return out, invalid("MALFORMED_REQUEST", "share=true (a shared blob) is not supported by this publisher")
	}
	if v := q.Get("encoding_type"); v != "" && v != "RS2" {
		return out, invalid("MALFORMED_REQUEST", "encoding_type=%q: only RS2 is supported", v)
	}
	if v, ok := q["send_object_to"]; ok {
		a, err := parseObjectID(v[0])
		if err != nil {
			return out, invalid("MALFORMED_REQUEST", "send_object_to: %v", err)
		}
		to := chain.Address(a)
		out.sendTo = &to
	}
	return out, nil
}

// putBlob serves PUT /v1/blobs: stores the body and answers with Walrus's
// JSON result.
func (s *Server) putBlob(w http.ResponseWriter, r *http.Request) {
	q, e := parseStoreQuery(r.URL.Query())
	if e == nil {
		e = s.checkSendTo(q)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	body, e := s.readBody(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	res, _, e := s.store(r.Context(), q, body)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, res)
}

// checkSendTo refuses send_object_to where blobs cannot be sent.
func (s *Server) checkSendTo(q storeQuery) *apiError {
	if _, ok := s.cfg.Chain.(chain.BlobTransferrer); q.sendTo != nil && !ok {
		return invalid("MALFORMED_REQUEST", "send_object_to is not supported on this network")
	}
	return nil
}

// tooLarge is the error of a body over the limit.
func (s *Server) tooLarge() *apiError {
	return &apiError{code: http.StatusRequestEntityTooLarge, reason: "BLOB_TOO_LARGE",
		message: fmt.Sprintf("the blob is larger than this publisher stores (%d bytes)", s.cfg.MaxBodySize)}
}

// readBody reads a store's body, at most MaxBodySize bytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > s.cfg.MaxBodySize {
		return nil, s.tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodySize))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return nil, s.tooLarge()
		}
		return nil, invalid("MALFORMED_REQUEST", "reading the body: %v", err)
	}
	return body, nil
}

// committeeEncoder returns the current committee and its encoder.
func (s *Server) committeeEncoder(ctx context.Context) (*chain.Committee, *encoding.Encoder, *apiError) {
	com, err := s.cfg.Chain.Committee(ctx)
	var enc *encoding.Encoder
	if err == nil {
		enc, err = s.encoder(com.NShards)
	}
	if err != nil {
		s.log.Error("store: committee", "err", err)
		return nil, nil, errInternal
	}
	return com, enc, nil
}

// store stores a blob as q asks and returns Walrus's result and the blob's
// ID.
func (s *Server) store(ctx context.Context, q storeQuery, body []byte) (storeResult, encoding.BlobID, *apiError) {
	com, enc, e := s.committeeEncoder(ctx)
	if e != nil {
		return storeResult{}, encoding.BlobID{}, e
	}
	if _, err := enc.Params(uint64(len(body))); err != nil {
		e := s.tooLarge()
		e.message = fmt.Sprintf("the blob is too large for the network: %v", err)
		return storeResult{}, encoding.BlobID{}, e
	}
	if !q.force {
		if res, id, ok := s.certifiedAlready(ctx, enc, body, com.Epoch+q.epochs); ok {
			return res, id, nil
		}
	}
	store := s.cfg.Storer.StoreNew
	if q.reuse {
		store = s.cfg.Storer.Store
	}
	res, err := store(ctx, body, q.epochs, !q.permanent)
	if err != nil {
		e := storeError(err)
		s.log.Error("store failed", "size", len(body), "status", e.code, "err", err)
		return storeResult{}, encoding.BlobID{}, e
	}
	if res.Reused {
		return storeResult{AlreadyCertified: &alreadyCertified{
			BlobID: res.BlobID.String(), Object: &res.Object.ID, EndEpoch: res.Object.Storage.EndEpoch}}, res.BlobID, nil
	}
	if q.sendTo != nil {
		transfer := s.cfg.Chain.(chain.BlobTransferrer) // checkSendTo
		if err := transfer.TransferBlob(ctx, res.Object.ID, *q.sendTo); err != nil {
			s.log.Error("store: send the blob object", "blob", res.BlobID, "object", res.Object.ID, "to", q.sendTo, "err", err)
			return storeResult{}, res.BlobID, &apiError{code: http.StatusInternalServerError, reason: "TRANSFER_FAILED",
				message: fmt.Sprintf("the blob %s was stored as object %s, which could not be sent to the address", res.BlobID, objectHex(res.Object.ID))}
		}
		res.Object.Owner = *q.sendTo
	}
	s.log.Info("stored blob", "blob", res.BlobID, "object", objectHex(res.Object.ID), "size", len(body), "epochs", q.epochs, "permanent", q.permanent)
	return storeResult{NewlyCreated: s.newlyCreated(ctx, res, com.NShards, q.epochs)}, res.BlobID, nil
}

// certifiedAlready checks, as Walrus's publisher does, whether a permanent
// blob of these bytes is certified until end at least: then nothing is
// stored. A status that cannot be had lets the store go on.
func (s *Server) certifiedAlready(ctx context.Context, enc *encoding.Encoder, body []byte, end chain.Epoch) (storeResult, encoding.BlobID, bool) {
	_, id, err := enc.ComputeMetadata(body)
	if err != nil {
		return storeResult{}, id, false
	}
	st, err := s.cfg.Storer.BlobStatus(ctx, id)
	if err != nil {
		s.log.Info("store: no blob status; storing", "blob", id, "err", err)
		return storeResult{}, id, false
	}
	if p := st.Permanent; p != nil && p.IsCertified && p.EndEpoch >= end {
		ev := eventID(p.StatusEvent)
		return storeResult{AlreadyCertified: &alreadyCertified{BlobID: id.String(), Event: &ev, EndEpoch: p.EndEpoch}}, id, true
	}
	return storeResult{}, id, false
}

// newlyCreated describes a new blob object, with what it cost.
func (s *Server) newlyCreated(ctx context.Context, res *client.StoreResult, nShards int, epochs uint32) *newlyCreated {
	p, _ := encoding.NewParams(nShards, res.Object.Size)
	encoded := p.EncodedLength()
	units := (encoded + 1<<20 - 1) >> 20 // prices are per MiB, rounded up
	out := &newlyCreated{BlobObject: blobObjectOf(res.Object)}
	var storagePrice, writePrice uint64
	if s.cfg.Prices != nil {
		var err error
		if storagePrice, writePrice, err = s.cfg.Prices(ctx); err != nil {
			s.log.Warn("store: prices unknown; reporting cost 0", "err", err)
		}
	}
	switch res.Resource {
	case client.NewStorage:
		out.ResourceOperation.RegisterFromScratch = &registerFromScratch{EncodedLength: encoded, EpochsAhead: epochs}
		out.Cost = units * (storagePrice*uint64(epochs) + writePrice)
	case client.HeldStorage:
		out.ResourceOperation.ReuseStorage = &encodedLength{encoded}
		out.Cost = units * writePrice
	default:
		out.ResourceOperation.ReuseRegistration = &encodedLength{encoded}
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
