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

// modeFlag is a flag of permission bits written in octal, as umask(1)
// writes them: 022, 0o027, 7.
type modeFlag uint32

func (m *modeFlag) Set(v string) error {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(v), "0o"), 8, 32)
	if err != nil || n > 0o777 {
		return fmt.Errorf("%q: want octal permission bits, 000 to 777", v)
	}
	*m = modeFlag(n)
	return nil
}

func (m *modeFlag) Type() string { return "octal" }

func (m *modeFlag) String() string { return fmt.Sprintf("%03o", uint32(*m)) }
