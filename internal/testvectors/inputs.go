package testvectors

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Input returns the bytes of a named input of the oracle's catalog
// (gen-inputs.mjs): empty, byte00, hello_walrus, mod251_N, xs42_N.
func Input(name string) ([]byte, error) {
	switch name {
	case "empty":
		return []byte{}, nil
	case "byte00":
		return []byte{0}, nil
	case "hello_walrus":
		return []byte("hello walrus"), nil
	}
	kind, size, ok := strings.Cut(name, "_")
	n, err := strconv.Atoi(size)
	if !ok || err != nil || n < 0 {
		return nil, fmt.Errorf("unknown input %q", name)
	}
	switch kind {
	case "mod251":
		return Mod251(n), nil
	case "xs42":
		return Xorshift(42, n), nil
	}
	return nil, fmt.Errorf("unknown input %q", name)
}

// Mod251 returns n bytes with byte i = i mod 251.
func Mod251(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// Xorshift returns the first n bytes of the xorshift64 (13, 7, 17) stream
// from the given seed, each state emitted little-endian.
func Xorshift(seed uint64, n int) []byte {
	b := make([]byte, (n+7)/8*8)
	x := seed
	for i := 0; i < len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	return b[:n]
}
