package daemon

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// getBlob serves GET /v1/blobs/{blob_id}: the blob, or the one range its
// Range header asks for.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	id, e := pathBlobID(r, "blob_id")
	if e == nil {
		var strict bool
		if strict, e = consistency(r.URL.Query()); e == nil {
			s.serveBlob(w, r, id, strict, nil)
			return
		}
	}
	writeError(w, e)
}

// getByObjectID serves GET /v1/blobs/by-object-id/{blob_object_id}: the
// blob of a Blob object, with the object's allowed attributes as headers.
func (s *Server) getByObjectID(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	oid, err := parseObjectID(r.PathValue("blob_object_id"))
	if err != nil {
		writeError(w, invalid("INVALID_OBJECT_ID", "%v", err))
		return
	}
	strict, e := consistency(r.URL.Query())
	if e != nil {
		writeError(w, e)
		return
	}
	b, err := s.cfg.Chain.Blob(ctx, oid)
	if err != nil {
		if errors.Is(err, chain.ErrNotFound) {
			writeError(w, errNotFound)
			return
		}
		if errors.Is(err, chain.ErrInvalidArgument) { // an object, but no Blob
			writeError(w, invalid("NOT_A_BLOB_OBJECT", "object %s is not a Walrus Blob object", objectHex(oid)))
			return
		}
		s.log.Error("read a blob object", "object", oid, "err", err)
		writeError(w, errInternal)
		return
	}
	var attrs []chain.Attribute
	if ar, ok := s.cfg.Chain.(chain.BlobAttributeReader); ok {
		if attrs, err = ar.BlobAttributes(ctx, oid); err != nil {
			s.log.Error("read a blob object's attributes", "object", oid, "err", err)
			writeError(w, errInternal)
			return
		}
	}
	s.serveBlob(w, r, b.BlobID, strict, attrs)
}

// getByteRange serves GET /v1/blobs/{blob_id}/byte-range?start=S&length=L
// with status 200, which caches keep as they keep whole blobs.
func (s *Server) getByteRange(w http.ResponseWriter, r *http.Request) {
	id, e := pathBlobID(r, "blob_id")
	if e != nil {
		writeError(w, e)
		return
	}
	q := r.URL.Query()
	start, err1 := strconv.ParseUint(q.Get("start"), 10, 64)
	length, err2 := strconv.ParseUint(q.Get("length"), 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		writeError(w, invalid("INVALID_BYTE_RANGE", "start and length must be byte counts"))
		return
	case length == 0:
		writeError(w, invalid("INVALID_BYTE_RANGE", "length must be above 0"))
		return
	case start+length < start:
		writeError(w, invalid("INVALID_BYTE_RANGE", "start + length overflows"))
		return
	}
	size, err := s.cfg.Reader.Size(r.Context(), id)
	if err != nil {
		s.failRead(w, r, id, err)
		return
	}
	if start+length > size {
		writeError(w, invalid("INVALID_BYTE_RANGE", "bytes [%d, %d) are not all within the blob's %d", start, start+length, size))
		return
	}
	h := http.Header{}
	s.blobHeaders(h, r, fmt.Sprintf("%s-%d-%d", id, start, length))
	s.sendSpan(w, r, id, span{start, length}, http.StatusOK, h)
}

// serveBlob sends a blob, or the range its Range header asks for, with
// attrs, if any, as headers.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, id encoding.BlobID, strict bool, attrs []chain.Attribute) {
	size, err := s.cfg.Reader.Size(r.Context(), id)
	if err != nil {
		s.failRead(w, r, id, err)
		return
	}
	h := http.Header{}
	sp, status := span{0, size}, http.StatusOK
	if ranges := r.Header.Values("Range"); len(ranges) > 0 {
		if len(ranges) > 1 {
			err = errors.New("only one range per request is served")
		} else {
			sp, err = parseRange(ranges[0], size)
		}
		if err != nil {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			writeError(w, &apiError{code: http.StatusRequestedRangeNotSatisfiable, reason: "INVALID_BYTE_RANGE", message: err.Error()})
			return
		}
		status, strict = http.StatusPartialContent, false // as Walrus: a range is read by slivers
		h.Set("Content-Range", sp.contentRange(size))
	}
	s.blobHeaders(h, r, id.String())
	s.attributeHeaders(h, attrs)
	if strict {
		s.sendStrict(w, r, id, sp, status, h)
		return
	}
	s.sendSpan(w, r, id, sp, status, h)
}

// sendStrict reads a blob whole and checks that it encodes to its ID
// before sending it: strict_consistency_check=true.
func (s *Server) sendStrict(w http.ResponseWriter, r *http.Request, id encoding.BlobID, sp span, status int, h http.Header) {
	ctx := r.Context()
	if r.Method == http.MethodHead {
		h.Set("Content-Length", strconv.FormatUint(sp.n, 10))
		sendHeader(w, status, h)
		return
	}
	blob, err := s.cfg.Reader.ReadStrict(ctx, id)
	if errors.Is(err, client.ErrBlobIDMismatch) {
		s.log.Error("strict read: the blob does not encode to its ID", "blob", id, "err", err)
		writeError(w, &apiError{code: http.StatusInternalServerError, reason: "INCONSISTENT_BLOB",
			message: "the blob read does not encode to its ID: it was not encoded correctly when stored"})
		return
	}
	if err != nil {
		s.failRead(w, r, id, err)
		return
	}
	h.Set("Content-Length", strconv.FormatUint(sp.n, 10))
	sendHeader(w, status, h)
	w.Write(blob[sp.off : sp.off+sp.n])
}

// blobHeaders sets what Walrus's aggregator sends with blob bytes: nosniff,
// caching for a day (revalidated by the ETag), and a Content-Type mirrored
// from the request's Accept (without wildcards) or, for GET, its
// Content-Type.
func (s *Server) blobHeaders(h http.Header, r *http.Request, etag string) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400, stale-while-revalidate=3600")
	h.Set("ETag", etag)
	if accept := r.Header.Get("Accept"); accept != "" && !strings.Contains(accept, "*") {
		h.Set("Content-Type", accept)
	} else if ct := r.Header.Get("Content-Type"); ct != "" && r.Method == http.MethodGet {
		h.Set("Content-Type", ct)
	}
}

// attributeHeaders adds the allowed attributes as headers, in their order,
// never replacing a header already set (nor an earlier attribute of the
// same name in another case); invalid names and values are skipped.
func (s *Server) attributeHeaders(h http.Header, attrs []chain.Attribute) {
	for _, a := range attrs {
		if a.Key == "" || !httpguts.ValidHeaderFieldName(a.Key) || !httpguts.ValidHeaderFieldValue(a.Value) {
			continue
		}
		if _, ok := h[http.CanonicalHeaderKey(a.Key)]; ok || !s.allowedHeader(a.Key) {
			continue
		}
		h.Set(a.Key, a.Value)
	}
}

// failRead answers a read that failed before its first byte.
func (s *Server) failRead(w http.ResponseWriter, r *http.Request, id encoding.BlobID, err error) {
	e := readError(err)
	switch {
	case r.Context().Err() != nil:
		return // the client went away
	case e.code >= 500:
		s.log.Warn("read failed", "blob", id, "status", e.code, "err", err)
	default:
		s.log.Debug("read failed", "blob", id, "status", e.code, "err", err)
	}
	writeError(w, e)
}

// pathBlobID reads a blob ID from the path.
func pathBlobID(r *http.Request, name string) (encoding.BlobID, *apiError) {
	id, err := encoding.ParseBlobID(r.PathValue(name))
	if err != nil {
		return id, invalid("INVALID_BLOB_ID", "%q is not a blob ID (43 characters of URL-safe base64)", r.PathValue(name))
	}
	return id, nil
}

// consistency reads a read's consistency flags: whether to check strictly.
func consistency(q url.Values) (strict bool, e *apiError) {
	strict, err1 := boolParam(q, "strict_consistency_check")
	skip, err2 := boolParam(q, "skip_consistency_check")
	switch {
	case err1 != nil || err2 != nil:
		return false, invalid("INVALID_ARGUMENT", "%v", errors.Join(err1, err2))
	case strict && skip:
		return false, invalid("INVALID_CONSISTENCY_CHECK", "strict_consistency_check and skip_consistency_check exclude each other")
	}
	return strict, nil
}

// boolParam reads an optional true/false query parameter.
func boolParam(q url.Values, name string) (bool, error) {
	switch v := q[name]; {
	case len(v) == 0:
		return false, nil
	case len(v) > 1:
		return false, fmt.Errorf("%s is given %d times", name, len(v))
	case v[0] == "true":
		return true, nil
	case v[0] == "false":
		return false, nil
	default:
		return false, fmt.Errorf("%s=%q: want true or false", name, v[0])
	}
}

// parseObjectID reads a Sui object ID or address as Sui writes it: 0x and
// up to 64 hex digits, short ones padded with zeros on the left.
func parseObjectID(s string) ([32]byte, error) {
	var id [32]byte
	hexDigits, ok := strings.CutPrefix(s, "0x")
	if !ok || len(hexDigits) == 0 || len(hexDigits) > 64 || strings.Trim(hexDigits, "0123456789abcdefABCDEF") != "" {
		return id, fmt.Errorf("%q is not a Sui object ID (0x and up to 64 hex digits)", s)
	}
	_, err := hex.Decode(id[:], []byte(strings.Repeat("0", 64-len(hexDigits))+hexDigits))
	return id, err
}
