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
