package messages

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

func TestStorageConfirmationBytes(t *testing.T) {
	var id encoding.BlobID
	id[0], id[31] = 0xaa, 0xbb
	perm := StorageConfirmation{Epoch: 7, BlobID: id}
	b := perm.Marshal()
	if len(b) != 40 || hex.EncodeToString(b[:7]) != "01000307000000" || b[39] != 0 {
		t.Fatalf("permanent confirmation %x", b)
	}
	del := StorageConfirmation{Epoch: 7, BlobID: id, Deletable: true, ObjectID: ObjectID{1}}
	if b := del.Marshal(); len(b) != 72 || b[39] != 1 || b[40] != 1 {
		t.Fatalf("deletable confirmation %x", b)
	}
	for _, c := range []StorageConfirmation{perm, del} {
		got, err := ParseStorageConfirmation(c.Marshal())
		if err != nil || got != c {
			t.Fatalf("round trip %+v: %+v, %v", c, got, err)
		}
	}
	bad := perm.Marshal()
	bad[0] = 2
	if _, err := ParseStorageConfirmation(bad); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("wrong intent: %v", err)
	}
	if _, err := ParseStorageConfirmation(perm.Marshal()[:39]); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("truncated: %v", err)
	}
}

func TestCertificate(t *testing.T) {
	msg := StorageConfirmation{Epoch: 1}.Marshal()
	var keys []bls.PublicKey
	var signed []SignedMessage
	for i := byte(0); i < 4; i++ {
		k, _ := bls.KeyFromSeed(bytes.Repeat([]byte{i + 1}, 32))
		keys = append(keys, k.PublicKey())
		signed = append(signed, Sign(k, msg))
	}
	// JSON as nodes return it.
	j, _ := json.Marshal(signed[0])
	var back SignedMessage
	if err := json.Unmarshal(j, &back); err != nil || back.Verify(keys[0]) != nil {
		t.Fatalf("signed message JSON round trip: %s %v", j, err)
	}
	cert, err := Aggregate([]int{3, 0, 2}, []SignedMessage{signed[3], signed[0], signed[2]})
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.Verify(keys); err != nil {
		t.Fatal(err)
	}
	bitmap := cert.SignersBitmap(4)
	if len(bitmap) != 1 || bitmap[0] != 0b1101 {
		t.Fatalf("bitmap %08b", bitmap)
	}
	signers, err := ParseSignersBitmap(bitmap, 4)
	if err != nil || len(signers) != 3 || signers[0] != 0 || signers[2] != 3 {
		t.Fatalf("bitmap parse: %v %v", signers, err)
	}
	if _, err := ParseSignersBitmap([]byte{0x10}, 4); err == nil {
		t.Fatal("bit past the members accepted")
	}
	cert.Signers = []int{0, 1, 2}
	if err := cert.Verify(keys); err == nil {
		t.Fatal("certificate verified with the wrong signer set")
	}
	if _, err := Aggregate([]int{1, 1}, []SignedMessage{signed[1], signed[1]}); err == nil {
		t.Fatal("duplicate signer accepted")
	}
}
