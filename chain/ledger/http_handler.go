package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// AdminToken, when set, is the bearer token that admin requests must
	// carry (see NewAdminToken); without it no admin endpoint is served.
	AdminToken string
	// Now is the clock that signed requests' times are checked against;
	// time.Now by default.
	Now func() time.Time
}

// NewHandler serves l over HTTP so that separate processes share one
// ledger; Dial is its client. Reads are open to anyone, as chain state is
// public. Transactions are POSTs whose JSON bodies are the records' own
// transaction fields, signed by the sender's Sui key (see "Trust" below).
// Events requests are held up to MaxPollWait milliseconds: a server's
// WriteTimeout must be longer.
//
//	GET  /v1/chain                                                      → {"chainId"}
//	GET  /v1/committee                                                  → Committee
//	GET  /v1/blobs/{objectID}                                           → Blob
//	GET  /v1/blob-status/{blobID}                                       → BlobStatus
//	GET  /v1/events?from=N&limit=M&wait=MS                              → {"events": [...]}
//	GET  /v1/fs-records/{owner}?name=NAME                               → FsRecord
//	POST /v1/tx/reserve-storage     {"size", "epochs"}                  → Storage
//	POST /v1/tx/register-blob       {"storage", "blobId", "rootHash",
//	                                 "size", "encodingType", "deletable"} → Blob
//	POST /v1/tx/certify-blob        {"blob", "certificate"}             → Blob
//	POST /v1/tx/invalidate-blob-id  {"certificate"}                     → {}
//	POST /v1/tx/delete-blob         {"blob"}                            → Storage
//	POST /v1/tx/extend-blob         {"blob", "epochs"}                  → Blob
//	POST /v1/tx/publish-manifest    {"name", "manifest", "prevVersion"} → FsRecord
//	POST /v1/tx/epoch-sync-done     {"node", "epoch", "signature"}      → {}
//	POST /v1/admin/advance-epoch    {"nodes"?}                          → Committee
//	POST /v1/admin/stake            {"node", "stake", "register"?}      → {}
//
// In requests, object IDs and addresses are 0x-prefixed hex, blob IDs
// base64url, and a certificate is {"signers": [member indices], "message":
// base64, "signature": base64}. Responses are chain's types as encoding/json
// writes them (object IDs and addresses as arrays of 32 numbers, as long as
// those types have no text form). Errors are {"error": {"code", "message"}},
// with a code per sentinel (NotFound, NotOwner, InvalidCertificate, ...).
//
// Trust: no header is believed on its own. A /v1/tx/ request names its
// sender in SenderHeader and carries, in SignatureHeader, the sender's Sui
// Ed25519 signature (as a personal message, so it can never pass for a Sui
// transaction) over the chain ID, sender, method, path, body digest,
// TimeHeader and NonceHeader; the server derives the signer's address from
// the public key, as Sui does, and accepts a request only if it is the
// sender's, signed within RequestWindow of its clock and not received
// before. Missing, bad or replayed signatures get 401 Unauthenticated. The
// exception is epoch-sync-done, which the member's BLS signature inside it
// authenticates. Admin requests carry opts.AdminToken as a bearer token: a
// random secret in a 0600 file of the operator's, so that only the
// operator's processes (and root) can read it, whatever port the server
// listens on. It was chosen over a unix socket so that one listener serves
// all and the CLI needs only the devnet's directory. Plain-HTTP admin
// requests from other hosts are refused (403) even with the token, since it
// would have crossed the network in the clear.
func NewHandler(l *Ledger, opts HandlerOptions) http.Handler {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	h := &handler{l: l, adminToken: opts.AdminToken, now: now, seen: newReplayGuard(now())}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/chain", h.chainInfo)
	mux.HandleFunc("GET /v1/committee", h.committee)
	mux.HandleFunc("GET /v1/blobs/{id}", h.blob)
	mux.HandleFunc("GET /v1/blob-status/{blobID}", h.blobStatus)
	mux.HandleFunc("GET /v1/events", h.events)
	mux.HandleFunc("GET /v1/fs-records/{owner}", h.fsRecord)
	mux.HandleFunc("POST /v1/tx/reserve-storage", transaction(h, func(ctx context.Context, a *Account, in *reserveTx) (any, error) {
		return a.ReserveStorage(ctx, in.Size, in.Epochs)
	}))
	mux.HandleFunc("POST /v1/tx/register-blob", transaction(h, func(ctx context.Context, a *Account, in *registerTx) (any, error) {
		return a.RegisterBlob(ctx, chain.ObjectID(in.Storage), in.BlobID, in.Root, in.Size, in.EncodingType, in.Deletable)
	}))
	mux.HandleFunc("POST /v1/tx/certify-blob", transaction(h, func(ctx context.Context, a *Account, in *certifyTx) (any, error) {
		r := a.newRecord()
		r.Certify = in
		res, err := a.l.submit(ctx, r, nil)
		return res.blob, err
	}))
	mux.HandleFunc("POST /v1/tx/invalidate-blob-id", transaction(h, func(ctx context.Context, a *Account, in *invalidateTx) (any, error) {
		r := a.newRecord()
		r.Invalidate = in
		_, err := a.l.submit(ctx, r, nil)
		return struct{}{}, err
	}))
	mux.HandleFunc("POST /v1/tx/delete-blob", transaction(h, func(ctx context.Context, a *Account, in *deleteTx) (any, error) {
		return a.DeleteBlob(ctx, chain.ObjectID(in.Blob))
	}))
	mux.HandleFunc("POST /v1/tx/extend-blob", transaction(h, func(ctx context.Context, a *Account, in *extendTx) (any, error) {
		return a.ExtendBlob(ctx, chain.ObjectID(in.Blob), in.Epochs)
	}))
	mux.HandleFunc("POST /v1/tx/publish-manifest", transaction(h, func(ctx context.Context, a *Account, in *publishTx) (any, error) {
		return a.PublishManifest(ctx, in.Name, in.Manifest, in.PrevVersion)
	}))
	mux.HandleFunc("POST /v1/admin/advance-epoch", h.admin(h.advanceEpoch))
	mux.HandleFunc("POST /v1/admin/stake", h.admin(h.setStake))
	mux.HandleFunc("POST /v1/tx/epoch-sync-done", h.reportEpochSync)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, fmt.Errorf("%w: no endpoint %s %s", chain.ErrNotFound, r.Method, r.URL.Path))
	})
	return mux
}

type handler struct {
	l          *Ledger
	adminToken string
	now        func() time.Time
	seen       *replayGuard
}

// transaction adapts a transaction to an HTTP handler: the sender is the
// signer of the request, the input its JSON body.
func transaction[T any](h *handler, run func(context.Context, *Account, *T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		sender, err := h.authenticate(r, body)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		in := new(T)
		if err := decodeJSON(body, in); err != nil {
			h.fail(w, r, err)
			return
		}
		out, err := run(r.Context(), h.l.As(sender), in)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// admin lets only the operator's requests through to next.
func (h *handler) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h.checkAdmin(r); err != nil {
			h.fail(w, r, err)
			return
		}
		next(w, r)
	}
}

// readBody reads a request body of up to maxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: request body: %w", chain.ErrInvalidArgument, err)
	}
	return b, nil
}

// decodeJSON decodes a request body; an empty one leaves v as it is.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: request body: %w", chain.ErrInvalidArgument, err)
	}
	return nil
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// chainInfo names the ledger; clients sign requests for this chain ID.
func (h *handler) chainInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, chainBody{ChainID: h.l.ChainID()})
}

func (h *handler) committee(w http.ResponseWriter, r *http.Request) {
	c, err := h.l.As(chain.Address{}).Committee(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (h *handler) blob(w http.ResponseWriter, r *http.Request) {
	id, err := ParseObjectID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, fmt.Errorf("blob object ID: %w", err))
		return
	}
	b, err := h.l.As(chain.Address{}).Blob(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (h *handler) blobStatus(w http.ResponseWriter, r *http.Request) {
	id, err := encoding.ParseBlobID(r.PathValue("blobID"))
	if err != nil {
		h.fail(w, r, fmt.Errorf("%w: %w", chain.ErrInvalidArgument, err))
		return
	}
	st, err := h.l.As(chain.Address{}).BlobStatus(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *handler) fsRecord(w http.ResponseWriter, r *http.Request) {
	owner, err := ParseAddress(r.PathValue("owner"))
	if err != nil {
		h.fail(w, r, fmt.Errorf("filesystem record owner: %w", err))
		return
	}
	rec, err := h.l.As(chain.Address{}).FsRecord(r.Context(), owner, r.URL.Query().Get("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// events answers at once when events exist, else holds the request until
// one is appended or wait (capped at MaxPollWait) passes, then answers with
// an empty list.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	from, limit, wait, err := eventsQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, fmt.Errorf("events: %w", err))
		return
	}
	evs, err := h.l.waitEvents(r.Context(), from, limit, wait)
	if err != nil {
		h.fail(w, r, fmt.Errorf("events: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, eventsBody{Events: append([]chain.Event{}, evs...)})
}

func eventsQuery(q url.Values) (from chain.Cursor, limit int, wait time.Duration, err error) {
	f, err := queryUint(q, "from")
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := queryUint(q, "limit")
	if err != nil {
		return 0, 0, 0, err
	}
	ms, err := queryUint(q, "wait")
	if err != nil {
		return 0, 0, 0, err
	}
	return chain.Cursor(f), int(min(n, MaxEventLimit)), time.Duration(min(ms, MaxPollWait)) * time.Millisecond, nil
}

// queryUint parses a query parameter; missing means 0.
func queryUint(q url.Values, name string) (uint64, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: parameter %s: %w", chain.ErrInvalidArgument, name, err)
	}
	return v, nil
}

func (h *handler) advanceEpoch(w http.ResponseWriter, r *http.Request) {
	var in epochTx
	if err := decodeBody(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	var next []NodeRegistration
	if in.Nodes != nil {
		var err error
		if next, err = registrations(in.Nodes); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	c, err := h.l.AdvanceEpoch(r.Context(), next)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (h *handler) setStake(w http.ResponseWriter, r *http.Request) {
	var in stakeTx
	if err := decodeBody(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.l.submit(r.Context(), &record{Stake: &in}, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// reportEpochSync takes a member's sync report; its BLS signature, not the
// sender, authenticates it.
func (h *handler) reportEpochSync(w http.ResponseWriter, r *http.Request) {
	var in syncDoneTx
	if err := decodeBody(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.l.submit(r.Context(), &record{SyncDone: &in}, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// fail writes err with its code; unexpected errors are logged.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, status := errorCode(err)
	if r.Context().Err() != nil {
		// The caller went away (a node stopping mid long-poll): not a fault.
		h.l.log.Debug("ledger request abandoned", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if status >= 500 {
		h.l.log.Warn("ledger request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		h.l.log.Debug("ledger request refused", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	writeJSON(w, status, errorBody{Error: wireError{Code: code, Message: err.Error()}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
