package daemon

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// FuzzRelayQuery: any query either parses to a blob ID given exactly once,
// with what it names, or is refused with a 400; nothing panics.
func FuzzRelayQuery(f *testing.F) {
	id := encoding.BlobID{1, 2, 3}.String()
	for _, q := range []string{
		"blob_id=" + id,
		"blob_id=" + id + "&tx_id=EmcFpdozbobqH61w76T4UehhC4UGaAv32uZpv6c4CNyg&nonce=rw8xIuqxwMpdOcF_3jOprsD9TtPWfXK97tT_lWr1teQ",
		"blob_id=" + id + "&deletable_blob_object=0x56ae1c86e17db174ea002f8340e28880bc8a8587c56e8604a4fa6b1170b23a60&encoding_type=RS2",
		"blob_id=" + id + "&blob_id=" + id,
		"tx_id=1&nonce=%00",
		"blob_id=%zz",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, e := parseRelayQuery(v)
		if e != nil {
			if e.code != 400 || e.reason == "" || e.message == "" {
				t.Fatalf("%q: refused with %+v", raw, e)
			}
			return
		}
		if len(v["blob_id"]) != 1 || q.blobID.String() != v.Get("blob_id") {
			t.Fatalf("%q: blob ID %s", raw, q.blobID)
		}
		if q.txID != v.Get("tx_id") || (q.object != nil) != v.Has("deletable_blob_object") {
			t.Fatalf("%q: parsed %+v", raw, q)
		}
		for k := range v {
			if !relayParams[k] {
				t.Fatalf("%q: the unknown parameter %q was accepted", raw, k)
			}
		}
	})
}

// TestRelayResultJSON: the certificate is written as Walrus's relay writes
// it and the SDK reads it: signers as numbers, the message as an array of
// byte values, the signature in base64.
func TestRelayResultJSON(t *testing.T) {
	var sig bls.Signature
	for i := range sig {
		sig[i] = byte(i)
	}
	id := encoding.BlobID{9}
	msg := []byte{1, 0, 3, 255}
	b, err := json.Marshal(newRelayResult(id, messages.Certificate{Signers: []int{0, 2, 3}, Message: msg, Signature: sig}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"blob_id":"` + id.String() + `","confirmation_certificate":{"signers":[0,2,3],"serialized_message":[1,0,3,255],"signature":"` + sig.String() + `"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var zero bls.Signature
	empty, _ := json.Marshal(newRelayResult(id, messages.Certificate{}))
	if want := `{"blob_id":"` + id.String() + `","confirmation_certificate":{"signers":[],"serialized_message":[],"signature":"` + zero.String() + `"}}`; string(empty) != want {
		t.Errorf("empty certificate: %s", empty)
	}
}
