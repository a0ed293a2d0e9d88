package store

import (
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestLargeBlobInChunks promotes and removes a blob with more entries than
// one transaction takes (deleteBatch).
func TestLargeBlobInChunks(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	id := blobID(1)
	const shards = deleteBatch/2 + 300
	must(t, s.PutMetadata(id, metadata(shards, 1), true))
	for shard := range uint16(shards) {
		for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
			must(t, s.PutSliver(id, shard, sliver(axis, shard, 2, 4, uint64(shard)), true))
		}
	}
	if st := s.Stats(); st.PendingEntries != 2*shards+1 {
		t.Fatalf("stats %+v", st)
	}
	if _, err := s.ApplyEvent(chain.Event{Kind: chain.EventBlobRegistered, BlobID: id, ObjectID: chain.ObjectID{1}, EndEpoch: 3}); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.PendingEntries != 0 || st.Slivers != 2*shards || st.Blobs != 1 {
		t.Fatalf("stats after promotion %+v", st)
	}
	checkCounts(t, s)
	if _, err := s.ApplyEvent(chain.Event{Cursor: 1, Kind: chain.EventBlobDeleted, BlobID: id, ObjectID: chain.ObjectID{1}}); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("stats after removal %+v", st)
	}
	checkCounts(t, s)
	if has, _ := s.HasSliver(id, shards-1, encoding.Secondary); has {
		t.Fatal("sliver left")
	}
}
