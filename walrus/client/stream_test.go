package client

import (
	"slices"
	"testing"
)

func TestWindows(t *testing.T) {
	var got [][2]uint64
	for off, n := range windows(15, 100, 10, 30) {
		got = append(got, [2]uint64{off, n})
	}
	want := [][2]uint64{{15, 5}, {20, 30}, {50, 30}, {80, 30}, {110, 5}}
	if !slices.Equal(got, want) {
		t.Errorf("windows %v, want %v", got, want)
	}
	for _, c := range []struct {
		off, length    uint64
		row, window, n uint64
	}{
		{0, 7, 10, 5, 7},     // a window below a row is a row
		{15, 30, 10, 30, 30}, // within a window: one read
		{15, 31, 10, 30, 5},  // more: the first read ends with its row
	} {
		var first [][2]uint64
		for off, n := range windows(c.off, c.length, c.row, c.window) {
			first = append(first, [2]uint64{off, n})
		}
		if first[0] != [2]uint64{c.off, c.n} {
			t.Errorf("windows of [%d, +%d) (rows of %d, window %d) %v", c.off, c.length, c.row, c.window, first)
		}
	}
}
