package messages

import (
	"bytes"
	"errors"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

func TestSyncShardRequestRoundTrip(t *testing.T) {
	r := SyncShardRequest{Epoch: 7, Shard: 513, Axis: encoding.Secondary, StartingBlobID: encoding.BlobID{1, 2, 3}, Count: 256}
	b := r.Marshal()
	// intent (3, 0, 3), epoch, then V1 and the fields.
	if !bytes.Equal(b[:7], []byte{3, 0, 3, 7, 0, 0, 0}) || b[7] != 0 || len(b) != 7+syncShardBodySize {
		t.Fatalf("bytes %x", b)
	}
	got, err := ParseSyncShardRequest(b)
	if err != nil || got != r {
		t.Fatalf("parsed %+v, %v", got, err)
	}
	for i := range b {
		if _, err := ParseSyncShardRequest(b[:i]); err == nil {
			t.Fatalf("a request cut at %d parsed", i)
		}
	}
	bad := bytes.Clone(b)
	bad[len(bad)-1] = 9 // body epoch ≠ header epoch
	if _, err := ParseSyncShardRequest(bad); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("mismatched epochs: %v", err)
	}

	key, err := bls.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sm := Sign(key, b)
	back, err := ParseSignedMessageBCS(sm.MarshalBCS())
	if err != nil || !bytes.Equal(back.Serialized, b) || back.Verify(key.PublicKey()) != nil {
		t.Fatalf("signed message round trip: %v", err)
	}
	if _, err := ParseSignedMessageBCS(append(sm.MarshalBCS(), 0)); err == nil {
		t.Fatal("trailing bytes accepted")
	}
}
