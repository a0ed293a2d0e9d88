package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

func TestEnvelopes(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, http.StatusBadRequest, ReasonInvalidSliver, "bad sliver")
	e := ParseError(rec.Code, rec.Body.Bytes())
	if e.Code != 400 || e.Status != "INVALID_ARGUMENT" || e.Reason != ReasonInvalidSliver || e.Message != "bad sliver" || !e.Permanent() {
		t.Fatalf("error envelope: %+v", e)
	}
	if !IsReason(e, ReasonInvalidSliver) {
		t.Fatal("IsReason")
	}
	rec = httptest.NewRecorder()
	WriteSuccess(rec, http.StatusCreated, "stored")
	got, err := ParseSuccess[string](rec.Body.Bytes())
	if err != nil || got != "stored" {
		t.Fatalf("success envelope: %q %v", got, err)
	}
	if e := ParseError(503, []byte("<html>")); e.Permanent() || e.Message != "<html>" {
		t.Fatalf("non-envelope error: %+v", e)
	}
}

func TestPaths(t *testing.T) {
	var id encoding.BlobID
	if got := SliverPath(id, 5, encoding.Secondary); got != "/v1/blobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/slivers/5/secondary" {
		t.Fatal(got)
	}
	if got := DeletableConfirmationPath(id, [32]byte{0xab}); got[len(got)-66:len(got)-62] != "0xab" {
		t.Fatal(got)
	}
}
