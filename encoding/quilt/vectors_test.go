package quilt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// The official SDK's quilts (testdata/vectors.json, a copy of
// ../shared/oracle/quilt/vectors.json: @mysten/walrus encodeQuilt, its blob
// IDs from the SDK's wasm encoder, every patch read back with the SDK's
// QuiltReader).
type vectorFile struct {
	Cases []struct {
		Name   string `json:"name"`
		Inputs struct {
			NShards int `json:"n_shards"`
			Files   []struct {
				Identifier string                    `json:"identifier"`
				Text       *string                   `json:"text"`
				Gen        *struct{ Size, Seed int } `json:"gen"`
				Tags       map[string]string         `json:"tags"`
			} `json:"files"`
		} `json:"inputs"`
		Expected struct {
			NRows          int    `json:"n_rows"`
			NCols          int    `json:"n_cols"`
			SymbolSize     int    `json:"symbol_size"`
			ColumnSize     int    `json:"column_size"`
			NPatches       int    `json:"n_patches"`
			IndexColumns   int    `json:"index_columns"`
			ColumnsUsed    int    `json:"columns_used"`
			QuiltLen       int    `json:"quilt_len"`
			QuiltSHA256    string `json:"quilt_sha256"`
			IndexBCSLen    int    `json:"quilt_index_bcs_len"`
			IndexBCSSHA256 string `json:"quilt_index_bcs_sha256"`
			BlobID         string `json:"blob_id_b64"`
			QuiltHex       string `json:"quilt_hex"`
			Patches        []struct {
				Identifier     string            `json:"identifier"`
				Tags           map[string]string `json:"tags"`
				Start          uint16            `json:"start_index"`
				End            uint16            `json:"end_index"`
				ContentsLen    int               `json:"contents_len"`
				ContentsSHA256 string            `json:"contents_sha256"`
				PatchID        string            `json:"patch_id"`
				PatchIDHex     string            `json:"patch_id_hex"`
				HeaderHex      string            `json:"header_hex"`
			} `json:"patches"`
		} `json:"expected"`
	} `json:"cases"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no cases")
	}
	return v
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestOfficialVectors: the quilt of every case is byte for byte the SDK's,
// with its geometry, index, headers, blob ID and patch IDs; reading it back
// (index from the first columns, each patch from its own columns) gives
// every file, identifier and tag.
func TestOfficialVectors(t *testing.T) {
	for _, c := range loadVectors(t).Cases {
		t.Run(c.Name, func(t *testing.T) {
			var files []File
			for _, f := range c.Inputs.Files {
				file := File{Identifier: f.Identifier, Tags: f.Tags}
				switch {
				case f.Text != nil:
					file.Data = []byte(*f.Text)
				case f.Gen != nil:
					file.Data = testvectors.Xorshift(uint64(f.Gen.Seed), f.Gen.Size)
				}
				files = append(files, file)
			}
			q, x, err := Encode(c.Inputs.NShards, files)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Expected
			if x.Rows != want.NRows || x.Cols != want.NCols || x.SymbolSize != want.SymbolSize || x.ColumnSize() != want.ColumnSize || x.IndexColumns != want.IndexColumns {
				t.Fatalf("geometry %d×%d, symbol %d, column %d, index columns %d; want %d×%d, %d, %d, %d",
					x.Rows, x.Cols, x.SymbolSize, x.ColumnSize(), x.IndexColumns, want.NRows, want.NCols, want.SymbolSize, want.ColumnSize, want.IndexColumns)
			}
			if len(x.Patches) != want.NPatches || int(x.Patches[len(x.Patches)-1].End) != want.ColumnsUsed {
				t.Fatalf("%d patches ending at column %d, want %d ending at %d", len(x.Patches), x.Patches[len(x.Patches)-1].End, want.NPatches, want.ColumnsUsed)
			}
			entries := x.marshalEntries()
			if len(entries) != want.IndexBCSLen || sum(entries) != want.IndexBCSSHA256 {
				t.Fatalf("index BCS: %d bytes, sha256 %s; want %d, %s", len(entries), sum(entries), want.IndexBCSLen, want.IndexBCSSHA256)
			}
			if len(q) != want.QuiltLen || sum(q) != want.QuiltSHA256 {
				t.Fatalf("quilt: %d bytes, sha256 %s; want %d, %s", len(q), sum(q), want.QuiltLen, want.QuiltSHA256)
			}
			if want.QuiltHex != "" && hex.EncodeToString(q) != want.QuiltHex {
				t.Fatal("quilt bytes differ")
			}
			enc, err := encoding.NewEncoder(c.Inputs.NShards)
			if err != nil {
				t.Fatal(err)
			}
			_, id, err := enc.ComputeMetadata(q)
			if err != nil {
				t.Fatal(err)
			}
			if id.String() != want.BlobID {
				t.Fatalf("blob ID %s, want %s", id, want.BlobID)
			}
			byID := map[string]File{}
			for _, f := range files {
				byID[f.Identifier] = f
			}
			got, err := ReadIndexFrom(c.Inputs.NShards, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, x) {
				t.Fatalf("index read back:\n%+v\nwritten:\n%+v", got, x)
			}
			for i, wp := range want.Patches {
				p := x.Patches[i]
				if p.Identifier != wp.Identifier || p.Start != wp.Start || p.End != wp.End || len(p.Tags) != len(wp.Tags) {
					t.Fatalf("patch %d: %q [%d, %d), want %q [%d, %d)", i, p.Identifier, p.Start, p.End, wp.Identifier, wp.Start, wp.End)
				}
				pid := p.ID(id)
				if pid.String() != wp.PatchID || (wp.PatchIDHex != "" && hex.EncodeToString(pid.Bytes()) != wp.PatchIDHex) {
					t.Fatalf("patch %q: ID %s, want %s", p.Identifier, pid, wp.PatchID)
				}
				if parsed, err := ParsePatchID(wp.PatchID); err != nil || parsed != pid {
					t.Fatalf("parse %s: %+v, %v", wp.PatchID, parsed, err)
				}
				f := byID[p.Identifier]
				if wp.HeaderHex != "" {
					head, err := patchHead(f)
					if err != nil || hex.EncodeToString(head) != wp.HeaderHex {
						t.Fatalf("patch %q: header %x, want %s (%v)", p.Identifier, head, wp.HeaderHex, err)
					}
				}
				var cols []byte
				for col := int(p.Start); col < int(p.End); col++ {
					cols = append(cols, x.Column(q, col)...)
				}
				back, err := ParsePatch(cols)
				if err != nil {
					t.Fatalf("patch %q: %v", p.Identifier, err)
				}
				if back.Identifier != p.Identifier || !bytes.Equal(back.Data, f.Data) || len(back.Data) != wp.ContentsLen || sum(back.Data) != wp.ContentsSHA256 || !sameTags(back.Tags, f.Tags) {
					t.Fatalf("patch %q read back as %q, %d bytes, tags %v", p.Identifier, back.Identifier, len(back.Data), back.Tags)
				}
			}
		})
	}
}

func sameTags(a, b map[string]string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
