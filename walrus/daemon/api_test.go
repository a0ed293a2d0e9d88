package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// noStorer is a publisher's store that is never called.
type noStorer struct{}

func (noStorer) Store(context.Context, []byte, uint32, bool) (*client.StoreResult, error) {
	panic("not called")
}

func (noStorer) StoreNew(context.Context, []byte, uint32, bool) (*client.StoreResult, error) {
	panic("not called")
}

func (noStorer) BlobStatus(context.Context, encoding.BlobID) (chain.BlobStatus, error) {
	panic("not called")
}

// noRelayer is an upload relay's upload that is never called.
type noRelayer struct{}

func (noRelayer) UploadRegistered(context.Context, []byte, encoding.BlobID, *messages.ObjectID) (messages.Certificate, error) {
	panic("not called")
}

// TestAPIDocument: /v1/api describes exactly the routes served, in each
// mode: every route with its method, and no other.
func TestAPIDocument(t *testing.T) {
	for _, mode := range []struct {
		name   string
		reader Reader
		storer Storer
		relay  Relayer
	}{{"aggregator", &memReader{}, nil, nil}, {"publisher", nil, noStorer{}, nil}, {"both", &memReader{}, noStorer{}, nil},
		{"relay", nil, nil, noRelayer{}}} {
		s, err := New(Config{Chain: noChain{}, Reader: mode.reader, Storer: mode.storer, Relay: mode.relay})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/api", nil))
		var doc struct {
			OpenAPI string                    `yaml:"openapi"`
			Paths   map[string]map[string]any `yaml:"paths"`
		}
		if err := yaml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != http.StatusOK || doc.OpenAPI == "" {
			t.Fatalf("%s: %d, %v", mode.name, rec.Code, err)
		}
		var documented []string
		for path, ops := range doc.Paths {
			for method := range ops {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
		served := s.Routes()
		slices.Sort(documented)
		slices.Sort(served)
		if !slices.Equal(documented, served) {
			t.Errorf("%s: documented %q, served %q", mode.name, documented, served)
		}
		if mode.storer != nil != slices.Contains(served, "PUT /v1/blobs") ||
			mode.relay != nil != slices.Contains(served, "POST /v1/blob-upload-relay") {
			t.Errorf("%s: serves %q", mode.name, served)
		}
	}
	// Every route of the package is in the document it embeds.
	all, err := New(Config{Chain: noChain{}, Reader: &memReader{}, Storer: noStorer{}, Relay: noRelayer{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Routes()) != 12 {
		t.Errorf("routes %q", all.Routes())
	}
}

// TestAttributeHeaders: allowed attributes become headers in their order,
// in any case; one never replaces a header already there, nor an earlier
// attribute of the same name; invalid names and values are dropped.
func TestAttributeHeaders(t *testing.T) {
	s, err := New(Config{Chain: noChain{}, Reader: &memReader{}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "image/png") // mirrored from Accept
	s.attributeHeaders(h, []chain.Attribute{
		{Key: "content-type", Value: "text/html"},
		{Key: "Content-Disposition", Value: `attachment; filename="a.txt"`},
		{Key: "content-disposition", Value: "inline"},
		{Key: "LINK", Value: "<https://example.com>; rel=preload"},
		{Key: "X-Custom", Value: "1"},
		{Key: "Cache-Control", Value: "no-store"},
		{Key: "content-language", Value: "en\r\nX-Injected: 1"},
		{Key: "content encoding", Value: "gzip"},
		{Key: "", Value: "x"},
	})
	want := http.Header{
		"Content-Type":        {"image/png"},
		"Content-Disposition": {`attachment; filename="a.txt"`},
		"Link":                {"<https://example.com>; rel=preload"},
	}
	if len(h) != len(want) {
		t.Errorf("headers %v, want %v", h, want)
	}
	for k, v := range want {
		if !slices.Equal(h[k], v) {
			t.Errorf("%s: %q, want %q", k, h[k], v)
		}
	}
	if _, err := New(Config{Chain: noChain{}, Reader: &memReader{}, AllowedHeaders: []string{"bad header"}}); err == nil {
		t.Error("an allowed header that is no header name was accepted")
	}
}
