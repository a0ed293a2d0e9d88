package store

import (
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

func TestMetadataRoundTrip(t *testing.T) {
	s, dir := fresh(t, Options{})
	small, big := blobID(1), blobID(2)
	ms, mb := metadata(10, 1), metadata(1000, 2) // 66 KB at n = 1000
	must(t, s.PutMetadata(small, ms, false))
	must(t, s.PutMetadata(big, mb, false))
	must(t, s.PutMetadata(big, mb, false)) // already stored: no-op

	_, err := s.Metadata(blobID(3), false)
	wantErr(t, err, ErrNotFound)
	if has, err := s.HasMetadata(blobID(3), true); err != nil || has {
		t.Fatalf("HasMetadata of an absent blob = %v, %v", has, err)
	}
	s = reopen(t, s, dir, Options{})
	for _, c := range []struct {
		id encoding.BlobID
		m  *encoding.Metadata
	}{{small, ms}, {big, mb}} {
		got, err := s.Metadata(c.id, false)
		must(t, err)
		if !sameMetadata(got, c.m) {
			t.Fatalf("metadata of %s changed", c.id)
		}
		if has, err := s.HasMetadata(c.id, false); err != nil || !has {
			t.Fatalf("HasMetadata = %v, %v", has, err)
		}
	}
	if st := s.Stats(); st.Blobs != 2 || st.Bytes != int64(len(ms.MarshalBCS())+len(mb.MarshalBCS())) {
		t.Fatalf("stats %+v", st)
	}
	checkCounts(t, s)
}

func TestSliverRoundTrip(t *testing.T) {
	s, dir := fresh(t, Options{})
	id := blobID(1)
	type key struct {
		shard uint16
		axis  encoding.Axis
	}
	want := map[key]*encoding.Sliver{
		{0, encoding.Primary}:       sliver(encoding.Primary, 7, 2, 2, 1), // one 2-byte symbol: below the value threshold
		{0, encoding.Secondary}:     sliver(encoding.Secondary, 992, 2, 668, 2),
		{999, encoding.Primary}:     sliver(encoding.Primary, 8, 6, 667*6, 3),
		{999, encoding.Secondary}:   sliver(encoding.Secondary, 991, 1200, 334*1200, 4),
		{32767, encoding.Primary}:   sliver(encoding.Primary, 1, 64, 1<<20, 5),
		{32767, encoding.Secondary}: sliver(encoding.Secondary, 0, 2, 10, 6),
	}
	var bytes int64
	for k, sl := range want {
		must(t, s.PutSliver(id, k.shard, sl, false))
		bytes += int64(len(sl.Data))
	}
	check := func(s *Store) {
		t.Helper()
		for k, sl := range want {
			got, err := s.Sliver(id, k.shard, k.axis)
			must(t, err)
			if !sameSliver(got, sl) {
				t.Fatalf("sliver %v changed", k)
			}
			got.Data[0] ^= 0xff // the caller owns the copy
			if has, err := s.HasSliver(id, k.shard, k.axis); err != nil || !has {
				t.Fatalf("HasSliver(%v) = %v, %v", k, has, err)
			}
		}
		if has, err := s.HasSliver(id, 1, encoding.Primary); err != nil || has {
			t.Fatalf("HasSliver of an absent sliver = %v, %v", has, err)
		}
		_, err := s.Sliver(blobID(2), 0, encoding.Primary)
		wantErr(t, err, ErrNotFound)
		if st := s.Stats(); st.Slivers != int64(len(want)) || st.Bytes != bytes {
			t.Fatalf("stats %+v", st)
		}
	}
	check(s)
	s = reopen(t, s, dir, Options{})
	check(s)
	checkCounts(t, s)
}

// TestLargestSliver stores the largest primary sliver of a Walrus blob on
// 1000 shards: 667 symbols of 65,534 bytes.
func TestLargestSliver(t *testing.T) {
	if testing.Short() {
		t.Skip("44 MB")
	}
	s, dir := fresh(t, Options{})
	id := blobID(1)
	sl := sliver(encoding.Primary, 3, encoding.MaxSymbolSize, 667*encoding.MaxSymbolSize, 1)
	must(t, s.PutSliver(id, 500, sl, false))
	s = reopen(t, s, dir, Options{})
	got, err := s.Sliver(id, 500, encoding.Primary)
	must(t, err)
	if !sameSliver(got, sl) {
		t.Fatal("44 MB sliver changed")
	}
	must(t, s.DeleteBlob(id))
	_, err = s.Sliver(id, 500, encoding.Primary)
	wantErr(t, err, ErrNotFound)
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("stats after delete %+v", st)
	}
}

func TestMalformed(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	id := blobID(1)
	good := sliver(encoding.Primary, 0, 2, 8, 1)
	for name, err := range map[string]error{
		"nil metadata":    s.PutMetadata(id, nil, false),
		"3 pairs":         s.PutMetadata(id, metadata(3, 1), false),
		"nil sliver":      s.PutSliver(id, 0, nil, true),
		"shard 32768":     s.PutSliver(id, encoding.MaxShards, good, false),
		"axis 2":          s.PutSliver(id, 0, &encoding.Sliver{Axis: 2, SymbolSize: 2, Data: make([]byte, 2)}, false),
		"symbol size 0":   s.PutSliver(id, 0, &encoding.Sliver{SymbolSize: 0, Data: make([]byte, 2)}, false),
		"odd symbol size": s.PutSliver(id, 0, &encoding.Sliver{SymbolSize: 3, Data: make([]byte, 6)}, false),
		"partial symbol":  s.PutSliver(id, 0, &encoding.Sliver{SymbolSize: 4, Data: make([]byte, 6)}, false),
		"empty":           s.PutSliver(id, 0, &encoding.Sliver{SymbolSize: 2}, false),
		"too large":       s.PutSliver(id, 0, &encoding.Sliver{SymbolSize: 2, Data: make([]byte, MaxSliverBytes+2)}, false),
		"get axis 5":      func() error { _, err := s.Sliver(id, 0, 5); return err }(),
		"has shard 40000": func() error { _, err := s.HasSliver(id, 40000, encoding.Primary); return err }(),
	} {
		if !errorsIs(err, ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", name, err)
		}
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("stats after rejected puts %+v", st)
	}
}

// TestCorrupt writes undecodable values under the store's keys.
func TestCorrupt(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	id := blobID(1)
	set := func(k, v []byte) {
		t.Helper()
		txn := s.db.NewTransaction(true)
		defer txn.Discard()
		must(t, txn.Set(k, v))
		must(t, txn.Commit())
	}
	set(sliverKey(id, 1, encoding.Primary), []byte{valueFormat, 3, 0, 0, 0, 1, 2, 3})
	set(sliverKey(id, 2, encoding.Primary), []byte{9, 2, 0, 0, 0, 1, 2})
	set(metadataKey(id), []byte{valueFormat, 0, 1})
	set(blobKey(tagState, id), []byte{valueFormat, 0xff})
	set(cursorKey, []byte{valueFormat, 1})
	for name, err := range map[string]error{
		"odd symbols":    func() error { _, err := s.Sliver(id, 1, encoding.Primary); return err }(),
		"unknown format": func() error { _, err := s.Sliver(id, 2, encoding.Primary); return err }(),
		"metadata":       func() error { _, err := s.Metadata(id, false); return err }(),
		"state":          func() error { _, err := s.BlobState(id); return err }(),
		"cursor":         func() error { _, err := s.Cursor(); return err }(),
	} {
		if !errorsIs(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", name, err)
		}
	}
}
