// Package blake2b4 computes many unkeyed Blake2b-256 hashes of short,
// prefixed messages at once. On amd64 it runs several independent messages
// through one compression function, one message per 64-bit lane of the
// vector registers ("multi-buffer" hashing): four lanes with AVX2, eight with
// AVX-512. Single-message Blake2b cannot keep a modern core busy on short
// inputs, because each round is one long chain of dependent operations;
// unrelated messages provide the independent work.
//
// Results are identical to golang.org/x/crypto/blake2b.Sum256(prefix ‖ m).
package blake2b4

import (
	"encoding/binary"
	"hash"
	"sync"

	"golang.org/x/crypto/blake2b"
)

const blockSize = 128

// iv is the Blake2b initialisation vector (the SHA-512 IV).
var iv = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

// param0 is the first word of the parameter block, xored into h[0]: digest
// length 32, no key, fanout 1, depth 1.
const param0 = 0x01010000 | blake2b.Size256

// useAVX2 and useAVX512 select the vector kernels. They are variables so
// that tests can exercise every path on a machine that has them all;
// useAVX512 is only honoured together with useAVX2.
var (
	useAVX2   = hasAVX2
	useAVX512 = hasAVX512
)

// Sum256x4 sets dst[i] = Blake2b-256(prefix ‖ m[i]) for i = 0..3. All four
// messages must have the same length (panic otherwise).
func Sum256x4(dst *[4][32]byte, prefix byte, m *[4][]byte) {
	n := len(m[0])
	if len(m[1]) != n || len(m[2]) != n || len(m[3]) != n {
		panic("blake2b4: Sum256x4 messages differ in length")
	}
	d := [4]*[32]byte{&dst[0], &dst[1], &dst[2], &dst[3]}
	if !useAVX2 {
		var one single
		for k := range d {
			one.sum(d[k], prefix, m[k])
		}
		return
	}
	var g group4
	g.sum(&d, prefix, m)
}

// SumPrefixed sets dst[i] = Blake2b-256(prefix ‖ msgs[i]) for every i;
// messages of equal length are hashed four at a time, any remainder one at a
// time. len(dst) must equal len(msgs).
//
// With AVX-512, runs of eight consecutive equal-length messages are hashed
// eight at a time. dst must not overlap the messages: digests may be written
// before later messages are read.
func SumPrefixed(dst [][32]byte, prefix byte, msgs [][]byte) {
	if len(dst) != len(msgs) {
		panic("blake2b4: SumPrefixed dst and msgs differ in length")
	}
	var one single
	if !useAVX2 {
		for i, m := range msgs {
			one.sum(&dst[i], prefix, m)
		}
		return
	}

	// Runs of consecutive equal-length messages (the usual case: all symbols
	// of a blob, all Merkle nodes) go straight to the kernels. Others wait,
	// grouped by length, until three more of their length turn up.
	groups := groupPool.Get().(*groups)
	defer groupPool.Put(groups)
	g4, g8 := &groups.g4, &groups.g8
	var pending map[int][]int
	i := 0
	for i < len(msgs) {
		n := len(msgs[i])
		if useAVX512 && sameLen(msgs[i:min(i+8, len(msgs))], n) == 8 {
			d := dst[i : i+8]
			g8.sum(&[8]*[32]byte{&d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7]}, prefix, (*[8][]byte)(msgs[i:i+8]))
			i += 8
			continue
		}
		if sameLen(msgs[i:min(i+4, len(msgs))], n) == 4 {
			d := dst[i : i+4]
			g4.sum(&[4]*[32]byte{&d[0], &d[1], &d[2], &d[3]}, prefix, (*[4][]byte)(msgs[i:i+4]))
			i += 4
			continue
		}
		if rest := len(msgs) - i; rest > 1 && sameLen(msgs[i:], n) == rest {
			// The last two or three messages, of one length: one 4-lane call
			// with a lane repeated beats hashing them one at a time.
			var spare [32]byte
			d := [4]*[32]byte{&dst[i], &dst[i+1], &spare, &spare}
			m := [4][]byte{msgs[i], msgs[i+1], msgs[i], msgs[i]}
			if rest == 3 {
				d[2], m[2] = &dst[i+2], msgs[i+2]
			}
			g4.sum(&d, prefix, &m)
			break
		}
		if i == len(msgs)-1 && pending == nil {
			// A lone last message, as at the top of a Merkle tree: a map
			// for it would cost more than the hash.
			one.sum(&dst[i], prefix, msgs[i])
			break
		}
		if pending == nil {
			pending = make(map[int][]int)
		}
		p := append(pending[n], i)
		if len(p) == 4 {
			g4.sum(&[4]*[32]byte{&dst[p[0]], &dst[p[1]], &dst[p[2]], &dst[p[3]]}, prefix,
				&[4][]byte{msgs[p[0]], msgs[p[1]], msgs[p[2]], msgs[p[3]]})
			p = p[:0]
		}
		pending[n] = p
		i++
	}
	for _, p := range pending {
		for _, j := range p {
			one.sum(&dst[j], prefix, msgs[j])
		}
	}
}

// groups is the scratch space of one SumPrefixed call, pooled because it is
// too large to live on the stack of a function whose pointers reach assembly.
type groups struct {
	g4 group4
	g8 group8
}

var groupPool = sync.Pool{New: func() any { return new(groups) }}

// sameLen returns how many leading messages of msgs have length n.
func sameLen(msgs [][]byte, n int) int {
	for i, m := range msgs {
		if len(m) != n {
			return i
		}
	}
	return len(msgs)
}

// group4 and group8 are the scratch space for hashing groups of four or eight
// equal-length messages with the vector kernels: the states and the buffers
// for blocks that cannot be read in place. Reusing one for many groups saves
// clearing the buffers again. The zero value is ready to use.
type (
	group4 struct {
		h     [8 * 4]uint64
		buf   [4][blockSize]byte
		clean int // buf[k][clean:] is zero for every lane k
	}
	group8 struct {
		h     [8 * 8]uint64
		buf   [8][blockSize]byte
		clean int
	}
)

// h0x4 and h0x8 are the initial states of four and eight lanes: the IV,
// with the parameter block's first word xored into word 0.
var (
	h0x4 = initialState[[8 * 4]uint64](4)
	h0x8 = initialState[[8 * 8]uint64](8)
)

func initialState[S [8 * 4]uint64 | [8 * 8]uint64](lanes int) (h S) {
	for j, v := range iv {
		if j == 0 {
			v ^= param0
		}
		for k := range lanes {
			h[j*lanes+k] = v
		}
	}
	return h
}

func (g *group4) sum(dst *[4]*[32]byte, prefix byte, m *[4][]byte) {
	g.h = h0x4
	compressAll(g.h[:], g.buf[:], &g.clean, prefix, m[:])
	for k, d := range dst {
		for j := range 4 {
			binary.LittleEndian.PutUint64(d[8*j:], g.h[4*j+k])
		}
	}
}

func (g *group8) sum(dst *[8]*[32]byte, prefix byte, m *[8][]byte) {
	g.h = h0x8
	compressAll(g.h[:], g.buf[:], &g.clean, prefix, m[:])
	for k, d := range dst {
		for j := range 4 {
			binary.LittleEndian.PutUint64(d[8*j:], g.h[8*j+k])
		}
	}
}

// compressAll runs the equal-length messages prefix ‖ m[k], one per lane,
// through the compression function, leaving the final states in h (the
// initial states on entry). h and buf are the scratch of a group4 or group8,
// clean its record of how much of buf is known to be zero.
func compressAll(h []uint64, buf [][blockSize]byte, clean *int, prefix byte, m [][]byte) {
	lanes := len(buf)

	// The prefix shifts every block by one byte, so only the first block
	// (prefix ‖ m[:127]) and the zero-padded last block are assembled in buf;
	// the blocks in between are read in place, starting at m[127].
	n := len(m[0])
	total := uint64(n) + 1
	first := min(n, blockSize-1)
	for k := range lanes {
		buf[k][0] = prefix
		copy(buf[k][1:], m[k][:first])
	}
	if total <= blockSize {
		zeroFrom(buf, clean, int(total))
		compress(h, buf, nil, 0, 1, total, ^uint64(0))
	} else {
		*clean = blockSize
		compress(h, buf, nil, 0, 1, blockSize, 0)
		blocks := int((total + blockSize - 1) / blockSize)
		if blocks > 2 {
			compress(h, buf, m, blockSize-1, blocks-2, 2*blockSize, 0)
		}
		off := (blocks-1)*blockSize - 1
		rem := n - off // 1..128 bytes in the last block
		for k := range lanes {
			copy(buf[k][:], m[k][off:])
		}
		zeroFrom(buf, clean, rem)
		compress(h, buf, nil, 0, 1, total, ^uint64(0))
	}
}

// zeroFrom zeroes buf[k][from:] for every lane, given that each lane has
// just been written up to from and was zero from *clean on.
func zeroFrom(buf [][blockSize]byte, clean *int, from int) {
	if from < *clean {
		for k := range buf {
			clear(buf[k][from:*clean])
		}
	}
	*clean = from
}

// single hashes one prefixed message with x/crypto, without copying long
// messages: short ones are concatenated on the stack for Sum256, long ones
// are streamed through a hash.Hash that is created once and reused.
type single struct {
	h hash.Hash
}

// shortMax bounds the stack copy used for short messages.
const shortMax = 256

func (s *single) sum(dst *[32]byte, prefix byte, m []byte) {
	if len(m) < shortMax {
		var buf [shortMax]byte
		buf[0] = prefix
		copy(buf[1:], m)
		*dst = blake2b.Sum256(buf[:1+len(m)])
		return
	}
	if s.h == nil {
		s.h, _ = blake2b.New256(nil) // cannot fail without a key
	}
	s.h.Reset()
	s.h.Write([]byte{prefix})
	s.h.Write(m)
	s.h.Sum(dst[:0])
}
