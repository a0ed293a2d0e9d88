package rs

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func randomCodeword(t *testing.T, rng *rand.Rand, k, m, size int) (*Code, [][]byte) {
	t.Helper()
	c, err := New(k, m, size)
	if err != nil {
		t.Fatal(err)
	}
	shards := make([][]byte, k+m)
	for i := range shards {
		shards[i] = make([]byte, size)
		if i < k {
			for j := range shards[i] {
				shards[i][j] = byte(rng.Uint32())
			}
		}
	}
	if err := c.Encode(shards[:k], shards[k:]); err != nil {
		t.Fatal(err)
	}
	return c, shards
}

// TestDecodeFromAnyK decodes from random sets of exactly k symbols, including
// all-recovery sets, for both rates and a range of shapes and symbol sizes.
func TestDecodeFromAnyK(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := []struct{ k, m int }{
		{2, 2}, {3, 1}, {2, 1}, {3, 4}, {4, 6}, {7, 3}, {5, 2}, {6, 5}, {34, 66}, {67, 33}, {334, 666}, {667, 333}, {1, 3}, {3, 7},
	}
	for _, sh := range shapes {
		for _, size := range []int{2, 6, 64, 70, 200} {
			c, shards := randomCodeword(t, rng, sh.k, sh.m, size)
			for trial := 0; trial < 4; trial++ {
				keep := rng.Perm(sh.k + sh.m)[:sh.k]
				if trial == 0 && sh.m >= sh.k {
					// Recovery symbols only.
					keep = keep[:0]
					for i := 0; i < sh.k; i++ {
						keep = append(keep, sh.k+i)
					}
				}
				got := make([][]byte, sh.k+sh.m)
				for _, i := range keep {
					got[i] = bytes.Clone(shards[i])
				}
				if err := c.Decode(got); err != nil {
					t.Fatalf("k=%d m=%d S=%d: %v", sh.k, sh.m, size, err)
				}
				for i := 0; i < sh.k; i++ {
					if !bytes.Equal(got[i], shards[i]) {
						t.Fatalf("k=%d m=%d S=%d keep=%v: original %d wrong", sh.k, sh.m, size, keep, i)
					}
				}
			}
		}
	}
}

func TestDecodeTooFew(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c, shards := randomCodeword(t, rng, 4, 6, 2)
	got := make([][]byte, 10)
	for _, i := range []int{1, 5, 9} {
		got[i] = shards[i]
	}
	if err := c.Decode(got); !errors.Is(err, ErrTooFewSymbols) {
		t.Fatalf("Decode with 3 of 4 symbols: %v", err)
	}
}

// TestBatchedSymbols checks that a buffer of several symbols encodes as each
// symbol would on its own, for sizes with and without a partial block.
func TestBatchedSymbols(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, size := range []int{2, 64, 66, 130} {
		for _, sh := range []struct{ k, m int }{{4, 6}, {7, 3}} {
			const batch = 5
			c, _ := New(sh.k, sh.m, size)
			orig := make([][]byte, sh.k)
			for i := range orig {
				orig[i] = make([]byte, size*batch)
				for j := range orig[i] {
					orig[i][j] = byte(rng.Uint32())
				}
			}
			rec := make([][]byte, sh.m)
			for i := range rec {
				rec[i] = make([]byte, size*batch)
			}
			if err := c.Encode(orig, rec); err != nil {
				t.Fatal(err)
			}
			for b := 0; b < batch; b++ {
				one := make([][]byte, sh.k)
				for i := range one {
					one[i] = orig[i][b*size : (b+1)*size]
				}
				oneRec := make([][]byte, sh.m)
				for i := range oneRec {
					oneRec[i] = make([]byte, size)
				}
				if err := c.Encode(one, oneRec); err != nil {
					t.Fatal(err)
				}
				for i := range oneRec {
					if !bytes.Equal(oneRec[i], rec[i][b*size:(b+1)*size]) {
						t.Fatalf("S=%d %v: batched symbol %d recovery %d differs", size, sh, b, i)
					}
				}
			}
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct{ k, m, s int }{{0, 1, 2}, {1, 0, 2}, {2, 2, 3}, {2, 2, 0}, {40000, 40000, 2}} {
		if _, err := New(tc.k, tc.m, tc.s); !errors.Is(err, ErrShape) {
			t.Errorf("New(%d, %d, %d) = %v, want ErrShape", tc.k, tc.m, tc.s, err)
		}
	}
}
