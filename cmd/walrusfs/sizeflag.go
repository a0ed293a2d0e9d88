package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeFlag is a flag of bytes written as rclone users write them: a plain
// number of bytes, or a number with a binary suffix (K, M, G, T, P; with
// or without "i" and "B"), such as 256M, 1.5G or 64MiB.
type sizeFlag int64

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func (s *sizeFlag) Type() string { return "size" }

func (s *sizeFlag) String() string { return formatSize(int64(*s)) }

var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"P", 50}, {"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}}

// parseSize parses a size as sizeFlag takes it.
func parseSize(v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	shift := uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, shift = strings.TrimSuffix(s, u.suffix), u.shift
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a size: want bytes, or a number with K, M, G, T or P (binary: 256M, 1.5G)", v)
	}
	b := f * float64(uint64(1)<<shift)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", v)
	}
	return int64(b), nil
}

// formatSize writes a size the shortest way parseSize reads back exactly.
func formatSize(n int64) string {
	for _, u := range sizeUnits {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
