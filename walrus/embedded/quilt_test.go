package embedded

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/internal/testutil"
)

// TestReadQuiltPatches: each file of a stored quilt is read from its own
// columns alone (as many secondary slivers as its patch has columns, each
// verified), and still when nodes holding f shards are down.
func TestReadQuiltPatches(t *testing.T) {
	var secondaryGets atomic.Int64
	n, c := startNet(t, func(_ int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/secondary") {
				secondaryGets.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	var files []quilt.File
	for i := range 12 {
		files = append(files, quilt.File{Identifier: fmt.Sprintf("f%02d", i), Data: testutil.RandomBytes(uint64(i), 100+i*977)})
	}
	files[3].Tags = map[string]string{"kind": "tagged"}
	q, x, err := quilt.Encode(testShards, files)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Store(ctx, q, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	read := func(p quilt.Patch) quilt.File {
		t.Helper()
		cols, err := c.ReadColumns(ctx, res.BlobID, int(p.Start), int(p.End))
		if err != nil {
			t.Fatalf("%s: %v", p.Identifier, err)
		}
		f, err := quilt.ParsePatch(cols)
		if err != nil {
			t.Fatalf("%s: %v", p.Identifier, err)
		}
		return f
	}
	for i, p := range x.Patches {
		before := secondaryGets.Load()
		f := read(p)
		if f.Identifier != files[i].Identifier || !bytes.Equal(f.Data, files[i].Data) || len(f.Tags) != len(files[i].Tags) {
			t.Fatalf("patch %s read back as %s, %d bytes", p.Identifier, f.Identifier, len(f.Data))
		}
		if got, want := secondaryGets.Load()-before, int64(p.End-p.Start); got != want {
			t.Errorf("%s: %d secondary slivers fetched for %d columns", p.Identifier, got, want)
		}
	}
	idx, err := quilt.ReadIndex(testShards, uint64(len(q)), func(first, end int) ([]byte, error) {
		return c.ReadColumns(ctx, res.BlobID, first, end)
	})
	if err != nil || len(idx.Patches) != len(files) {
		t.Fatalf("index from the network: %v", err)
	}
	stopUpToF(t, n)
	for i, p := range x.Patches {
		if f := read(p); !bytes.Equal(f.Data, files[i].Data) {
			t.Fatalf("patch %s with nodes down: wrong bytes", p.Identifier)
		}
	}
}
