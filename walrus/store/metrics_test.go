package store

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/encoding"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, dir := fresh(t, Options{NoSync: true, Registerer: reg})
	id := blobID(1)
	must(t, s.PutMetadata(id, metadata(4, 1), false))
	must(t, s.PutSliver(id, 0, sliver(encoding.Primary, 0, 2, 100, 1), false))
	must(t, s.PutSliver(id, 1, sliver(encoding.Primary, 1, 2, 50, 1), true))
	must(t, s.QueueRecovery(id))
	gauges := func() map[string]float64 {
		t.Helper()
		mfs, err := reg.Gather()
		must(t, err)
		out := map[string]float64{}
		for _, mf := range mfs {
			out[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
		}
		return out
	}
	want := map[string]float64{
		"walrus_store_blobs": 1, "walrus_store_slivers": 1, "walrus_store_bytes": float64(len(metadata(4, 1).MarshalBCS()) + 100),
		"walrus_store_pending_entries": 1, "walrus_store_pending_bytes": 50, "walrus_store_recovery_queue": 1,
	}
	check := func() {
		t.Helper()
		got := gauges()
		for name, v := range want {
			if got[name] != v {
				t.Errorf("%s = %v, want %v", name, got[name], v)
			}
		}
	}
	check()
	// Close unregisters, so a store reopened with the same registry registers again.
	s = reopen(t, s, dir, Options{NoSync: true, Registerer: reg})
	check()
	must(t, s.Close())
	if got := gauges(); len(got) != 0 {
		t.Fatalf("gauges left after Close: %v", got)
	}
}
