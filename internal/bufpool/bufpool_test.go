package bufpool

import "testing"

func TestGetSizesAndReuse(t *testing.T) {
	for _, n := range []int{0, 1, 4096, 4097, 100 << 10, 1 << 20, 64 << 20, 64<<20 + 1} {
		b := Get(n)
		if len(b) != n {
			t.Fatalf("Get(%d) has length %d", n, len(b))
		}
		if n > 4096 && n <= 64<<20 && cap(b)&(cap(b)-1) != 0 {
			t.Fatalf("Get(%d) has capacity %d, not a class size", n, cap(b))
		}
		Put(b)
	}
	// A foreign buffer of odd capacity is not pooled: Get never returns
	// something shorter than asked.
	Put(make([]byte, 5000))
	for range 100 {
		if b := Get(6000); len(b) != 6000 || cap(b) < 6000 {
			t.Fatalf("Get(6000) gave len %d cap %d", len(b), cap(b))
		}
	}
}

func BenchmarkGetPut(b *testing.B) {
	for b.Loop() {
		Put(Get(200 << 10))
	}
}
