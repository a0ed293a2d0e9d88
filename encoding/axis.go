package encoding

import "fmt"

// Axis names a sliver's direction: a primary sliver is a row of the expanded
// matrix, a secondary sliver a column.
type Axis uint8

const (
	Primary   Axis = 0
	Secondary Axis = 1
)

func (a Axis) String() string {
	switch a {
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
	}
	return fmt.Sprintf("Axis(%d)", uint8(a))
}

// Orthogonal returns the other axis.
func (a Axis) Orthogonal() Axis { return 1 - a }

// ParseAxis parses "primary" or "secondary", as in node API URLs.
func ParseAxis(s string) (Axis, error) {
	switch s {
	case "primary":
		return Primary, nil
	case "secondary":
		return Secondary, nil
	}
	return 0, fmt.Errorf("invalid sliver axis %q (want primary or secondary)", s)
}

// SliverIndex returns the index of pair p's sliver on axis a among n.
func SliverIndex(a Axis, pair, nShards int) int {
	if a == Primary {
		return pair
	}
	return nShards - 1 - pair
}

// PairIndex is the inverse of SliverIndex.
func PairIndex(a Axis, sliver, nShards int) int { return SliverIndex(a, sliver, nShards) }
