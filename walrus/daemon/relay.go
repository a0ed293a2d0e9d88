package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// Relayer uploads blobs that their senders registered, as a *client.Client
// does: the upload relay's work.
type Relayer interface {
	// UploadRegistered encodes blob, which must be the blob ID want (else
	// client.ErrBlobIDMismatch), uploads it and returns the confirmation
	// certificate; object is a deletable blob's Blob object.
	UploadRegistered(ctx context.Context, blob []byte, want encoding.BlobID, object *messages.ObjectID) (messages.Certificate, error)
}

// noTip is the tip configuration of a relay that asks for no tip, in the
// JSON Walrus's relay sends and the SDKs parse: a bare string.
const noTip = `"no_tip"`

// tipConfig serves GET /v1/tip-config.
func (s *Server) tipConfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, noTip+"\n")
}

// relayResult is the upload relay's answer, in the JSON of Walrus's relay.
type relayResult struct {
	BlobID      string          `json:"blob_id"`
	Certificate relayCertficate `json:"confirmation_certificate"`
}

// relayCertficate is a confirmation certificate as Walrus's relay writes
// it: the message as an array of byte values (a serde Vec<u8>), the
// aggregate signature in base64.
type relayCertficate struct {
	Signers           []int         `json:"signers"`
	SerializedMessage byteArray     `json:"serialized_message"`
	Signature         bls.Signature `json:"signature"`
}

// byteArray marshals as a JSON array of numbers, not base64.
type byteArray []byte

func (b byteArray) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+4*len(b))
	out = append(out, '[')
	for i, v := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(v), 10)
	}
	return append(out, ']'), nil
}

func newRelayResult(id encoding.BlobID, cert messages.Certificate) relayResult {
	signers := cert.Signers
	if signers == nil {
		signers = []int{}
	}
	return relayResult{BlobID: id.String(), Certificate: relayCertficate{
		Signers: signers, SerializedMessage: cert.Message, Signature: cert.Signature}}
}

// uploadRelay serves POST /v1/blob-upload-relay: checks the blob's
// registration, uploads the body to the storage nodes and answers with
// their confirmation certificate, with which the sender certifies it.
func (s *Server) uploadRelay(w http.ResponseWriter, r *http.Request) {
	q, e := parseRelayQuery(r.URL.Query())
	if e != nil {
		writeError(w, e)
		return
	}
	ctx := r.Context()
	limit, exact, e := s.relayLimit(ctx, q)
	if e != nil {
		writeError(w, e)
		return
	}
	body, e := s.readRelayBody(w, r, limit, exact)
	if e != nil {
		writeError(w, e)
		return
	}
	cert, err := s.cfg.Relay.UploadRegistered(ctx, body, q.blobID, q.object)
	if err != nil {
		e := relayError(err)
		if e == errInternal || e.code == http.StatusGatewayTimeout {
			s.log.Error("upload relay failed", "blob", q.blobID, "size", len(body), "err", err)
		}
		writeError(w, e)
		return
	}
	s.log.Info("relayed blob", "blob", q.blobID, "size", len(body), "signers", len(cert.Signers), "deletable", q.object != nil)
	writeJSON(w, newRelayResult(q.blobID, cert))
}

// relayLimit checks what the chain says of the blob: with tx_id, that the
// transaction registered it (as deletable_blob_object says, if given), and
// with deletable_blob_object alone, that this object is the blob's. The
// body must then be the registered size exactly. With neither, nothing is
// known before the upload, which the storage nodes refuse for a blob not
// registered: the body is bounded by MaxBodySize.
func (s *Server) relayLimit(ctx context.Context, q relayQuery) (limit int64, exact bool, e *apiError) {
	var b chain.Blob
	switch {
	case q.txID != "":
		reg, ok := s.cfg.Chain.(chain.RegistrationReader)
		if !ok {
			return 0, false, invalid("MALFORMED_REQUEST", "tx_id cannot be checked on this network")
		}
		blobs, err := reg.RegisteredBlobs(ctx, q.txID)
		if err != nil {
			return 0, false, s.chainError("read the registering transaction", "TRANSACTION_NOT_FOUND", "transaction "+q.txID, err)
		}
		found := false
		for _, c := range blobs {
			if c.BlobID == q.blobID && (q.object == nil || c.ID == *q.object) {
				b, found = c, true
				break
			}
		}
		if !found {
			return 0, false, invalid("BLOB_NOT_REGISTERED", "transaction %s registered no blob %s%s", q.txID, q.blobID, objectClause(q.object))
		}
	case q.object != nil:
		var err error
		if b, err = s.cfg.Chain.Blob(ctx, *q.object); err != nil {
			return 0, false, s.chainError("read the blob object", "BLOB_OBJECT_NOT_FOUND", "blob object "+objectHex(*q.object), err)
		}
		if b.BlobID != q.blobID {
			return 0, false, invalid("BLOB_NOT_REGISTERED", "blob object %s is blob %s, not %s", objectHex(*q.object), b.BlobID, q.blobID)
		}
	default:
		return s.cfg.MaxBodySize, false, nil
	}
	if b.Deletable != (q.object != nil) {
		return 0, false, invalid("INVALID_BLOB_PERSISTENCE", "blob object %s is %s: deletable_blob_object must be given exactly for deletable blobs", objectHex(b.ID), persistence(b.Deletable))
	}
	if b.Size > math.MaxInt64 {
		return 0, false, invalid("MALFORMED_REQUEST", "blob object %s has size %d, more than a body can hold", objectHex(b.ID), b.Size)
	}
	return int64(b.Size), true, nil
}

// readRelayBody reads the blob, at most limit bytes (413 over), exactly
// limit if exact (the registered size; 400 otherwise).
func (s *Server) readRelayBody(w http.ResponseWriter, r *http.Request, limit int64, exact bool) ([]byte, *apiError) {
	tooLarge := &apiError{code: http.StatusRequestEntityTooLarge, reason: "BLOB_TOO_LARGE",
		message: fmt.Sprintf("the body is larger than the blob's registered size, %d bytes", limit)}
	if !exact {
		tooLarge.message = fmt.Sprintf("the body is larger than this relay takes without tx_id or deletable_blob_object (%d bytes)", limit)
	}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return nil, tooLarge
		}
		return nil, invalid("MALFORMED_REQUEST", "reading the body: %v", err)
	}
	if exact && int64(len(body)) != limit {
		return nil, invalid("BLOB_SIZE_MISMATCH", "the body has %d bytes, the blob was registered with %d", len(body), limit)
	}
	return body, nil
}

// chainError classifies an error of a chain read about subject: unknown is
// 404 with reason notFound, refused as malformed 400, the rest internal.
func (s *Server) chainError(what, notFound, subject string, err error) *apiError {
	switch {
	case errors.Is(err, chain.ErrNotFound):
		return &apiError{code: http.StatusNotFound, reason: notFound, message: subject + " is not on the chain"}
	case errors.Is(err, chain.ErrInvalidArgument):
		return invalid("MALFORMED_REQUEST", "%s: %v", subject, err)
	}
	s.log.Error("upload relay: "+what, "subject", subject, "err", err)
	return errInternal
}

// relayError classifies an error of an upload.
func relayError(err error) *apiError {
	if errors.Is(err, client.ErrBlobIDMismatch) {
		return invalid("BLOB_ID_MISMATCH", "the body does not encode to the blob ID given: %v", err)
	}
	return storeError(err)
}

func objectClause(object *chain.ObjectID) string {
	if object == nil {
		return ""
	}
	return " as blob object " + objectHex(*object)
}

func persistence(deletable bool) string {
	if deletable {
		return "deletable"
	}
	return "permanent"
}
