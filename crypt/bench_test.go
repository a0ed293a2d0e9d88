package crypt

import (
	"bytes"
	"crypto/rand"
	"testing"

	"filippo.io/age"
)

// BenchmarkEncrypt measures sealing a 16 MiB chunk to a hybrid
// post-quantum recipient, as the mount does before it stores a chunk.
func BenchmarkEncrypt(b *testing.B) {
	id, _ := age.GenerateHybridIdentity()
	data := make([]byte, 16<<20)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Encrypt(data, []age.Recipient{id.Recipient()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenAtSmallRead measures a 4 KiB read at a random place of an
// encrypted 16 MiB chunk, opening it afresh each time (header, last chunk,
// the chunk read): the cost a cold random read pays on top of the fetch.
func BenchmarkOpenAtSmallRead(b *testing.B) {
	id, _ := age.GenerateHybridIdentity()
	data := make([]byte, 16<<20)
	rand.Read(data)
	ct, err := Encrypt(data, []age.Recipient{id.Recipient()})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 4096)
	for b.Loop() {
		r, _, err := OpenAt(bytes.NewReader(ct), int64(len(ct)), []age.Identity{id})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.ReadAt(buf, 9_000_000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSmallFile measures opening a 4 KiB file a keyring sealed,
// with the self key (as the mount does) and with the identity alone: the
// key exchange the self stanza saves.
func BenchmarkOpenSmallFile(b *testing.B) {
	id, _ := age.GenerateHybridIdentity()
	k, err := keyringFrom("", id.String())
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 4096)
	rand.Read(data)
	ct, err := k.Seal(data)
	if err != nil {
		b.Fatal(err)
	}
	for name, ids := range map[string][]age.Identity{"self": k.Identities(), "identity": {k.Identity}} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Decrypt(ct, ids); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
