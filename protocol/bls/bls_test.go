package bls

import (
	"bytes"
	"errors"
	"testing"
)

func testKey(t *testing.T, b byte) *PrivateKey {
	t.Helper()
	k, err := KeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerify(t *testing.T) {
	k := testKey(t, 1)
	msg := []byte("walrus")
	sig := k.Sign(msg)
	pk := k.PublicKey()
	if err := pk.Verify(msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := pk.Verify([]byte("walrux"), sig); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("other message: %v", err)
	}
	if err := testKey(t, 2).PublicKey().Verify(msg, sig); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("other key: %v", err)
	}
	back, err := PrivateKeyFromBytes(k.Bytes())
	if err != nil || back.PublicKey() != pk {
		t.Fatalf("private key round trip: %v", err)
	}
	un, err := pk.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseUncompressedPublicKey(un[:]); err != nil || got != pk {
		t.Fatalf("uncompressed round trip: %v", err)
	}
	text, _ := sig.MarshalText()
	var sig2 Signature
	if err := sig2.UnmarshalText(text); err != nil || sig2 != sig {
		t.Fatalf("signature text round trip: %v", err)
	}
}

func TestAggregate(t *testing.T) {
	msg := []byte("certify blob")
	var pks []PublicKey
	var sigs []Signature
	for i := byte(1); i <= 5; i++ {
		k := testKey(t, i)
		pks = append(pks, k.PublicKey())
		sigs = append(sigs, k.Sign(msg))
	}
	agg, err := AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAggregate(pks, msg, agg); err != nil {
		t.Fatal(err)
	}
	if err := VerifyAggregate(pks[:4], msg, agg); err == nil {
		t.Fatal("aggregate verified without one signer's key")
	}
	part, _ := AggregateSignatures(sigs[:3])
	if err := VerifyAggregate(pks[:3], msg, part); err != nil {
		t.Fatal(err)
	}
}

func TestRejectsInvalidPoints(t *testing.T) {
	if _, err := ParsePublicKey(make([]byte, PublicKeySize)); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("zero key: %v", err)
	}
	inf := make([]byte, PublicKeySize)
	inf[0] = 0xc0 // compressed point at infinity
	if _, err := ParsePublicKey(inf); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("identity key: %v", err)
	}
	if _, err := ParseSignature(bytes.Repeat([]byte{0xff}, SignatureSize)); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("garbage signature: %v", err)
	}
	if _, err := KeyFromSeed([]byte("short")); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("short seed: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	k, _ := KeyFromSeed(bytes.Repeat([]byte{9}, 32))
	pk := k.PublicKey()
	sig := k.Sign([]byte("x"))
	f.Add(pk[:], sig[:])
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if p, err := ParsePublicKey(a); err == nil {
			_ = p.Verify([]byte("x"), sig)
		}
		if s, err := ParseSignature(b); err == nil {
			_ = pk.Verify([]byte("x"), s)
		}
	})
}
