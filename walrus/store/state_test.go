package store

import (
	"reflect"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// events builds chain events with consecutive cursors.
type events struct{ next chain.Cursor }

func (e *events) ev(kind chain.EventKind, id encoding.BlobID, obj byte, f func(*chain.Event)) chain.Event {
	ev := chain.Event{Cursor: e.next, Kind: kind, BlobID: id, ObjectID: chain.ObjectID{obj}, ID: chain.EventID{TxDigest: "tx", EventSeq: uint64(e.next)}}
	e.next++
	if f != nil {
		f(&ev)
	}
	return ev
}

func apply(t *testing.T, s *Store, ev chain.Event) BlobState {
	t.Helper()
	st, err := s.ApplyEvent(ev)
	if err != nil {
		t.Fatalf("ApplyEvent(%s): %v", ev.Kind, err)
	}
	return st
}

// putBlob stores metadata and both slivers of two shards.
func putBlob(t *testing.T, s *Store, id encoding.BlobID) {
	t.Helper()
	must(t, s.PutMetadata(id, metadata(10, 1), false))
	for shard := uint16(0); shard < 2; shard++ {
		must(t, s.PutSliver(id, shard, sliver(encoding.Primary, shard, 2, 14, 1), false))
		must(t, s.PutSliver(id, shard, sliver(encoding.Secondary, 9-shard, 2, 8, 1), false))
	}
}

func hasData(t *testing.T, s *Store, id encoding.BlobID) bool {
	t.Helper()
	m, err := s.HasMetadata(id, true)
	must(t, err)
	sl, err := s.HasSliver(id, 1, encoding.Secondary)
	must(t, err)
	if m != sl {
		t.Fatalf("metadata present %v but sliver %v", m, sl)
	}
	return m
}

// TestReferenceCountedDeletion: a blob's data goes when its last live object
// does, not before.
func TestReferenceCountedDeletion(t *testing.T) {
	s, dir := fresh(t, Options{})
	var e events
	id := blobID(1)
	deletable := func(ev *chain.Event) { ev.Deletable, ev.EndEpoch = true, 10 }
	apply(t, s, e.ev(chain.EventBlobRegistered, id, 1, deletable))
	putBlob(t, s, id)
	st := apply(t, s, e.ev(chain.EventBlobRegistered, id, 2, deletable))
	st = apply(t, s, e.ev(chain.EventBlobCertified, id, 2, func(ev *chain.Event) { deletable(ev); ev.Epoch = 3 }))
	if !st.Registered() || !st.IsCertified() || !st.Certified || st.CertifiedEpoch != 3 || len(st.Objects) != 2 {
		t.Fatalf("state %+v", st)
	}
	if total, certified := st.DeletableCounts(); total != 2 || certified != 1 {
		t.Fatalf("deletable counts %d, %d", total, certified)
	}
	must(t, s.QueueRecovery(id))

	s = reopen(t, s, dir, Options{})
	st = apply(t, s, e.ev(chain.EventBlobDeleted, id, 2, nil))
	if len(st.Objects) != 1 || !hasData(t, s, id) {
		t.Fatalf("data removed while object 1 still covers the blob (state %+v)", st)
	}
	if st.IsCertified() || !st.Certified {
		t.Fatalf("certification flags after deleting the certified object: %+v", st)
	}
	apply(t, s, e.ev(chain.EventBlobDeleted, id, 9, nil)) // unknown object: no change
	if !hasData(t, s, id) {
		t.Fatal("data removed by the deletion of an unknown object")
	}
	st = apply(t, s, e.ev(chain.EventBlobDeleted, id, 1, nil))
	if !reflect.DeepEqual(st, BlobState{}) || hasData(t, s, id) {
		t.Fatalf("data or state left after the last object went (state %+v)", st)
	}
	_, err := s.BlobState(id)
	wantErr(t, err, ErrNotFound)
	if ids, _ := s.PendingRecoveries(); len(ids) != 0 {
		t.Fatalf("recovery queue %v after removal", ids)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("stats after removal %+v", st)
	}
	if c, _ := s.Cursor(); c != e.next {
		t.Fatalf("cursor %d, want %d", c, e.next)
	}
}

func TestRegistrationPromotes(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	var e events
	id := blobID(1)
	must(t, s.PutMetadata(id, metadata(10, 1), true))
	must(t, s.PutSliver(id, 0, sliver(encoding.Primary, 0, 2, 14, 1), true))
	apply(t, s, e.ev(chain.EventBlobRegistered, id, 1, func(ev *chain.Event) { ev.EndEpoch = 4 }))
	if has, _ := s.HasSliver(id, 0, encoding.Primary); !has {
		t.Fatal("registration did not promote the pending sliver")
	}
	// A pending put of a registered blob stores.
	must(t, s.PutSliver(id, 0, sliver(encoding.Secondary, 9, 2, 8, 1), true))
	if has, _ := s.HasSliver(id, 0, encoding.Secondary); !has {
		t.Fatal("pending put of a registered blob was buffered")
	}
	if st := s.Stats(); st.PendingEntries != 0 || st.Slivers != 2 || st.Blobs != 1 {
		t.Fatalf("stats %+v", st)
	}
	checkCounts(t, s)
}

func TestCertificationAndExpiry(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	var e events
	a, b := blobID(1), blobID(2)
	apply(t, s, e.ev(chain.EventBlobRegistered, a, 1, func(ev *chain.Event) { ev.EndEpoch = 5 }))
	apply(t, s, e.ev(chain.EventBlobRegistered, b, 2, func(ev *chain.Event) { ev.EndEpoch = 5 }))
	putBlob(t, s, a)
	putBlob(t, s, b)
	// b's certification seen without its registration: object 3 is added.
	st := apply(t, s, e.ev(chain.EventBlobCertified, b, 3, func(ev *chain.Event) { ev.EndEpoch, ev.Epoch = 6, 2 }))
	if o, ok := st.Object(chain.ObjectID{3}); !ok || !o.Certified || o.EndEpoch != 6 {
		t.Fatalf("state %+v", st)
	}
	// Extension of a's object.
	apply(t, s, e.ev(chain.EventBlobCertified, a, 1, func(ev *chain.Event) { ev.EndEpoch, ev.Epoch = 5, 1 }))
	st = apply(t, s, e.ev(chain.EventBlobCertified, a, 1, func(ev *chain.Event) { ev.EndEpoch, ev.Epoch, ev.IsExtension = 8, 4, true }))
	if st.EndEpoch() != 8 || st.CertifiedEpoch != 1 || !st.LiveAt(7) || st.LiveAt(8) {
		t.Fatalf("after extension: end epoch %d, certified epoch %d", st.EndEpoch(), st.CertifiedEpoch)
	}

	n, err := s.ExpireBlobs(5)
	must(t, err)
	if n != 0 {
		t.Fatalf("ExpireBlobs(5) removed %d blobs", n)
	}
	if st, _ := s.BlobState(b); len(st.Objects) != 1 {
		t.Fatalf("b's objects after epoch 5: %+v", st.Objects)
	}
	n, err = s.ExpireBlobs(6)
	must(t, err)
	if n != 1 || hasData(t, s, b) || !hasData(t, s, a) {
		t.Fatalf("ExpireBlobs(6) removed %d blobs", n)
	}
	n, err = s.ExpireBlobs(8)
	must(t, err)
	if n != 1 || hasData(t, s, a) {
		t.Fatalf("ExpireBlobs(8) removed %d blobs", n)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("stats %+v", st)
	}
}

func TestInvalidBlob(t *testing.T) {
	s, dir := fresh(t, Options{NoSync: true})
	var e events
	id := blobID(1)
	apply(t, s, e.ev(chain.EventBlobRegistered, id, 1, func(ev *chain.Event) { ev.EndEpoch = 5 }))
	putBlob(t, s, id)
	must(t, s.PutSliver(id, 7, sliver(encoding.Primary, 7, 2, 14, 1), true))
	st := apply(t, s, e.ev(chain.EventInvalidBlobID, id, 0, nil))
	if !st.Invalid || st.Registered() || st.InvalidEvent != (chain.EventID{TxDigest: "tx", EventSeq: 1}) {
		t.Fatalf("state %+v", st)
	}
	if hasData(t, s, id) {
		t.Fatal("data of an invalid blob kept")
	}
	s = reopen(t, s, dir, Options{NoSync: true})
	wantErr(t, s.PutMetadata(id, metadata(10, 1), false), ErrInvalidBlob)
	wantErr(t, s.PutSliver(id, 0, sliver(encoding.Primary, 0, 2, 14, 1), true), ErrInvalidBlob)
	st = apply(t, s, e.ev(chain.EventBlobRegistered, id, 2, nil))
	if !st.Invalid || len(st.Objects) != 1 {
		t.Fatalf("registration changed an invalid blob's state: %+v", st)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("stats %+v", st)
	}
	must(t, s.DeleteBlob(id)) // forgets it
	_, err := s.BlobState(id)
	wantErr(t, err, ErrNotFound)
}

// TestStaleEvents: events before the cursor were applied and are ignored.
func TestStaleEvents(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	id := blobID(1)
	reg := chain.Event{Cursor: 7, Kind: chain.EventBlobRegistered, BlobID: id, ObjectID: chain.ObjectID{1}, EndEpoch: 3}
	del := chain.Event{Cursor: 8, Kind: chain.EventBlobDeleted, BlobID: id, ObjectID: chain.ObjectID{1}}
	apply(t, s, reg)
	apply(t, s, del)
	if st := apply(t, s, reg); len(st.Objects) != 0 { // replayed after a crash
		t.Fatalf("replayed registration applied: %+v", st)
	}
	apply(t, s, chain.Event{Cursor: 9, Kind: chain.EventEpochChangeStart, Epoch: 2})
	apply(t, s, chain.Event{Cursor: 3, Kind: chain.EventEpochChangeStart, Epoch: 1})
	if c, _ := s.Cursor(); c != 10 {
		t.Fatalf("cursor %d, want 10", c)
	}
	_, err := s.BlobState(id)
	wantErr(t, err, ErrNotFound)
	_, err = s.ApplyEvent(chain.Event{Cursor: 10, Kind: chain.EventInvalidBlobID, ID: chain.EventID{TxDigest: string(make([]byte, 2000))}})
	wantErr(t, err, ErrMalformed)
}

func TestStateCodec(t *testing.T) {
	for _, st := range []BlobState{
		{},
		{Certified: true, CertifiedEpoch: 7, Objects: []Object{{ID: chain.ObjectID{1}, EndEpoch: 9}, {ID: chain.ObjectID{2}, Deletable: true, Certified: true, EndEpoch: 12}}},
		{Invalid: true, InvalidEvent: chain.EventID{TxDigest: "8mfG4sZ8r2r3", EventSeq: 4}},
	} {
		got, err := decodeState(encodeState(&st))
		must(t, err)
		if !reflect.DeepEqual(got, st) {
			t.Fatalf("decode(encode(%+v)) = %+v", st, got)
		}
	}
	good := encodeState(&BlobState{Objects: []Object{{ID: chain.ObjectID{1}}, {ID: chain.ObjectID{2}}}})
	unsorted := append([]byte(nil), good...)
	unsorted[len(unsorted)-objectLen] = 0 // second object ID becomes smaller than the first
	for name, v := range map[string][]byte{
		"empty": nil, "format": append([]byte{2}, good[1:]...), "flags": append([]byte{1, 0x80}, good[2:]...),
		"short": good[:len(good)-1], "long": append(good, 0), "unsorted": unsorted,
	} {
		if _, err := decodeState(v); !errorsIs(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", name, err)
		}
	}
}

func FuzzDecodeState(f *testing.F) {
	f.Add(encodeState(&BlobState{Invalid: true, InvalidEvent: chain.EventID{TxDigest: "d"}, Objects: []Object{{ID: chain.ObjectID{1}, EndEpoch: 3}}}))
	f.Fuzz(func(t *testing.T, v []byte) {
		st, err := decodeState(v)
		if err != nil {
			return
		}
		if again := encodeState(&st); string(again) != string(v) {
			t.Fatalf("re-encoding differs: %x vs %x", again, v)
		}
	})
}
