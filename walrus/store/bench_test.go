package store

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

// BenchmarkPutSliver stores 1 MiB slivers from one goroutine and from
// several, each put followed by a Sync or none synced.
func BenchmarkPutSliver(b *testing.B) {
	const size = 1 << 20
	sl := sliver(encoding.Primary, 0, 64, size, 1)
	for _, sync := range []bool{true, false} {
		for _, par := range []int{1, 8} {
			name := fmt.Sprintf("sync=%v/writers=%d", sync, par)
			b.Run(name, func(b *testing.B) {
				s, _ := fresh(b, Options{NoSync: !sync, GCInterval: -1})
				var n atomic.Uint64
				b.SetBytes(size)
				b.ReportAllocs()
				b.SetParallelism(par)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						if err := s.PutSliver(blobID(i/1000), uint16(i%1000), sl, false); err != nil {
							b.Error(err)
							return
						}
						if sync {
							if err := s.Sync(); err != nil {
								b.Error(err)
								return
							}
						}
					}
				})
			})
		}
	}
}

// BenchmarkGetSliver reads stored 1 MiB slivers.
func BenchmarkGetSliver(b *testing.B) {
	const size, count = 1 << 20, 64
	s, _ := fresh(b, Options{NoSync: true, GCInterval: -1})
	for i := range count {
		must(b, s.PutSliver(blobID(0), uint16(i), sliver(encoding.Primary, 0, 64, size, uint64(i)), false))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Sliver(blobID(0), uint16(i%count), encoding.Primary); err != nil {
			b.Fatal(err)
		}
	}
}
