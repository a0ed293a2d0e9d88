package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"golang.org/x/net/http/httpguts"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
)

// Quilts: many files stored as one blob, each read alone from the columns
// of its patch (encoding/quilt).

// patchIdentifierHeader carries a patch's identifier in a read's response.
const patchIdentifierHeader = "X-Quilt-Patch-Identifier"

// metadataField is the multipart field of PUT /v1/quilts that gives the
// files' tags: [{"identifier": …, "tags": {…}}].
const metadataField = "_metadata"

var errPatchNotFound = &apiError{code: http.StatusNotFound, reason: "QUILT_PATCH_NOT_FOUND",
	message: "the quilt has no such patch; check the patch ID or identifier"}

// getPatchByID serves GET /v1/blobs/by-quilt-patch-id/{quilt_patch_id}: the
// patch's file, read from its columns alone, its identifier and tags as
// headers.
func (s *Server) getPatchByID(w http.ResponseWriter, r *http.Request) {
	pid, err := quilt.ParsePatchID(r.PathValue("quilt_patch_id"))
	if err != nil {
		writeError(w, invalid("INVALID_QUILT_PATCH_ID", "%v", err))
		return
	}
	f, err := s.readPatch(r.Context(), pid)
	if err != nil {
		s.failPatch(w, r, pid.Quilt, err)
		return
	}
	s.sendPatch(w, r, pid.Quilt, f)
}

// getPatchByIdentifier serves GET /v1/blobs/by-quilt-id/{quilt_id}/{identifier}:
// the quilt's index read from its first columns, then the patch.
func (s *Server) getPatchByIdentifier(w http.ResponseWriter, r *http.Request) {
	id, e := pathBlobID(r, "quilt_id")
	if e != nil {
		writeError(w, e)
		return
	}
	x, err := s.readIndex(r.Context(), id)
	if err != nil {
		s.failPatch(w, r, id, err)
		return
	}
	p, ok := x.Find(r.PathValue("identifier"))
	if !ok {
		writeError(w, errPatchNotFound)
		return
	}
	f, err := s.readPatch(r.Context(), p.ID(id))
	if err != nil {
		s.failPatch(w, r, id, err)
		return
	}
	s.sendPatch(w, r, id, f)
}

// patchItem is an entry of GET /v1/quilts/{quilt_id}/patches.
type patchItem struct {
	Identifier string            `json:"identifier"`
	PatchID    quilt.PatchID     `json:"patch_id"`
	Tags       map[string]string `json:"tags"`
}

// listPatches serves GET /v1/quilts/{quilt_id}/patches.
func (s *Server) listPatches(w http.ResponseWriter, r *http.Request) {
	id, e := pathBlobID(r, "quilt_id")
	if e != nil {
		writeError(w, e)
		return
	}
	x, err := s.readIndex(r.Context(), id)
	if err != nil {
		s.failPatch(w, r, id, err)
		return
	}
	items := make([]patchItem, len(x.Patches))
	for i, p := range x.Patches {
		items[i] = patchItem{Identifier: p.Identifier, PatchID: p.ID(id), Tags: p.Tags}
		if items[i].Tags == nil {
			items[i].Tags = map[string]string{}
		}
	}
	writeJSON(w, items)
}

// readIndex reads a quilt's index from its first columns.
func (s *Server) readIndex(ctx context.Context, id encoding.BlobID) (*quilt.Index, error) {
	p, err := s.cfg.Reader.Params(ctx, id)
	if err != nil {
		return nil, err
	}
	return quilt.ReadIndex(p.NShards, p.UnencodedLength, func(first, end int) ([]byte, error) {
		return s.cfg.Reader.ReadColumns(ctx, id, first, end)
	})
}

// readPatch reads a patch's file from its columns.
func (s *Server) readPatch(ctx context.Context, pid quilt.PatchID) (quilt.File, error) {
	p, err := s.cfg.Reader.Params(ctx, pid.Quilt)
	if err != nil {
		return quilt.File{}, err
	}
	if int(pid.End) > p.SecondarySymbols {
		return quilt.File{}, fmt.Errorf("%w: columns [%d, %d) of a quilt of %d", quilt.ErrCorrupt, pid.Start, pid.End, p.SecondarySymbols)
	}
	cols, err := s.cfg.Reader.ReadColumns(ctx, pid.Quilt, int(pid.Start), int(pid.End))
	if err != nil {
		return quilt.File{}, err
	}
	return quilt.ParsePatch(cols)
}

// failPatch answers a quilt read that failed: columns that hold no quilt
// or no patch are a patch not found; the rest as blob reads fail.
func (s *Server) failPatch(w http.ResponseWriter, r *http.Request, id encoding.BlobID, err error) {
	if errors.Is(err, quilt.ErrCorrupt) {
		s.log.Debug("no such quilt patch", "quilt", id, "err", err)
		writeError(w, errPatchNotFound)
		return
	}
	s.failRead(w, r, id, err)
}

// sendPatch sends a patch's file, with Walrus's headers: those of a blob
// read (the quilt's ID as ETag), the allowed tags, and the identifier.
func (s *Server) sendPatch(w http.ResponseWriter, r *http.Request, quiltID encoding.BlobID, f quilt.File) {
	h := w.Header()
	s.blobHeaders(h, r, quiltID.String())
	keys := make([]string, 0, len(f.Tags))
	for k := range f.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	attrs := make([]chain.Attribute, len(keys))
	for i, k := range keys {
		attrs[i] = chain.Attribute{Key: k, Value: f.Tags[k]}
	}
	s.attributeHeaders(h, attrs)
	if id := f.Identifier; httpguts.ValidHeaderFieldValue(id) {
		h.Set(patchIdentifierHeader, id)
	}
	h.Set("Content-Length", fmt.Sprint(len(f.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.Data)
	}
}

// quiltStoreResult is PUT /v1/quilts's answer, as Walrus's publisher
// gives it.
type quiltStoreResult struct {
	BlobStoreResult  storeResult   `json:"blobStoreResult"`
	StoredQuiltBlobs []storedPatch `json:"storedQuiltBlobs"`
}

type storedPatch struct {
	Identifier   string        `json:"identifier"`
	QuiltPatchID quilt.PatchID `json:"quiltPatchId"`
}

// putQuilt serves PUT /v1/quilts: the multipart form's files (each field
// named by its identifier; _metadata gives their tags) stored as one quilt.
func (s *Server) putQuilt(w http.ResponseWriter, r *http.Request) {
	q, e := parseStoreQuery(r.URL.Query())
	if e == nil {
		e = s.checkSendTo(q)
	}
	if v := r.URL.Query().Get("quilt_version"); e == nil && v != "" && v != "v1" && v != "V1" && v != "1" {
		e = invalid("MALFORMED_REQUEST", "quilt_version=%q: only V1 quilts are stored", v)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	if r.ContentLength > s.cfg.MaxBodySize {
		writeError(w, s.tooLarge())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodySize)
	files, e := s.readQuiltForm(r)
	if e != nil {
		writeError(w, e)
		return
	}
	_, enc, e := s.committeeEncoder(r.Context())
	if e != nil {
		writeError(w, e)
		return
	}
	blob, x, err := quilt.Encode(enc.NShards(), files)
	if err != nil {
		writeError(w, invalid("MALFORMED_REQUEST", "the files cannot form a quilt: %v", err))
		return
	}
	res, id, e := s.store(r.Context(), q, blob)
	if e != nil {
		writeError(w, e)
		return
	}
	out := quiltStoreResult{BlobStoreResult: res}
	for _, p := range x.Patches {
		out.StoredQuiltBlobs = append(out.StoredQuiltBlobs, storedPatch{Identifier: p.Identifier, QuiltPatchID: p.ID(id)})
	}
	writeJSON(w, out)
}

// readQuiltForm reads PUT /v1/quilts's multipart form: each field but
// _metadata a file named by the field, with the tags _metadata gives it.
func (s *Server) readQuiltForm(r *http.Request) ([]quilt.File, *apiError) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return nil, invalid("MALFORMED_REQUEST", "the body must be multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, invalid("MALFORMED_REQUEST", "%v", err)
	}
	var files []quilt.File
	tags := map[string]map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, s.formError(err)
		}
		name := part.FormName()
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, s.formError(err)
		}
		if name != metadataField {
			files = append(files, quilt.File{Identifier: name, Data: b})
			continue
		}
		var meta []struct {
			Identifier string                     `json:"identifier"`
			Tags       map[string]json.RawMessage `json:"tags"`
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			return nil, invalid("MALFORMED_REQUEST", "%s: %v", metadataField, err)
		}
		for _, m := range meta {
			if _, ok := tags[m.Identifier]; ok {
				return nil, invalid("MALFORMED_REQUEST", "%s: %q twice", metadataField, m.Identifier)
			}
			tags[m.Identifier] = map[string]string{}
			for k, raw := range m.Tags {
				// Strings as they are; other JSON values as their text.
				var v string
				if json.Unmarshal(raw, &v) != nil {
					v = string(raw)
				}
				tags[m.Identifier][k] = v
			}
		}
	}
	if len(files) == 0 {
		return nil, invalid("MALFORMED_REQUEST", "no files in the form")
	}
	for i := range files {
		if t := tags[files[i].Identifier]; len(t) > 0 {
			files[i].Tags = t
		}
	}
	return files, nil
}

// formError classifies an error reading the form: over the body limit, or
// malformed.
func (s *Server) formError(err error) *apiError {
	if errors.As(err, new(*http.MaxBytesError)) {
		return s.tooLarge()
	}
	return invalid("MALFORMED_REQUEST", "reading the form: %v", err)
}
