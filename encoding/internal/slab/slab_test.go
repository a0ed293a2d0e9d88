package slab

import "testing"

func TestPoolReuse(t *testing.T) {
	p := NewPool(64 << 20)
	a := p.Get(8 << 20)
	if len(a.Bytes()) != 8<<20 {
		t.Fatalf("len %d", len(a.Bytes()))
	}
	a.Bytes()[0] = 7
	p.Put(a)
	b := p.Get(6 << 20)
	if b != a || len(b.Bytes()) != 6<<20 || b.Bytes()[0] != 7 {
		t.Fatal("idle slab not reused")
	}
	// Far too large a slab is not handed out for a small request.
	p.Put(b)
	if c := p.Get(1 << 10); c == b {
		t.Fatal("8 MiB slab reused for 1 KiB")
	}
	// A full pool frees instead of keeping.
	big := New(80 << 20)
	p.Put(big)
	if big.Bytes() != nil {
		t.Fatal("slab over the pool's limit kept")
	}
}
