package chain

import "testing"

// TestFitStorage: a storage resource fits a blob when it covers its size
// (at most twice over) from now to the wanted end; the smallest fit wins.
func TestFitStorage(t *testing.T) {
	storages := []Storage{
		{ID: ObjectID{1}, StartEpoch: 0, EndEpoch: 10, Size: 1000},
		{ID: ObjectID{2}, StartEpoch: 0, EndEpoch: 10, Size: 3000}, // too large for 1000
		{ID: ObjectID{3}, StartEpoch: 0, EndEpoch: 4, Size: 1000},  // ends too soon
		{ID: ObjectID{4}, StartEpoch: 6, EndEpoch: 20, Size: 1000}, // starts later
		{ID: ObjectID{5}, StartEpoch: 0, EndEpoch: 12, Size: 900},  // too small
		{ID: ObjectID{6}, StartEpoch: 0, EndEpoch: 9, Size: 1000},  // same size, ends first
	}
	for _, c := range []struct {
		size     uint64
		now, end Epoch
		want     ObjectID
		ok       bool
	}{
		{1000, 2, 8, ObjectID{6}, true},
		{1000, 2, 10, ObjectID{1}, true},
		{1500, 2, 10, ObjectID{2}, true},
		{1000, 2, 11, ObjectID{}, false},
		{400, 2, 8, ObjectID{}, false},
		{1000, 10, 12, ObjectID{4}, true}, // the others have ended
		{1000, 20, 20, ObjectID{}, false}, // all ended
	} {
		got, ok := FitStorage(storages, c.size, c.now, c.end)
		if ok != c.ok || (ok && got.ID != c.want) {
			t.Errorf("FitStorage(%d, %d, %d) = %v %v, want %v %v", c.size, c.now, c.end, got.ID[0], ok, c.want[0], c.ok)
		}
	}
}
