package ledger_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
)

// TestMetricsAndLogs: transactions are counted by kind and outcome, Close
// unregisters the metrics so a reopened ledger registers them again, and a
// given logger receives records.
func TestMetricsAndLogs(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	opts := ledger.Options{Registerer: reg, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	com := ledgertest.NewCommittee(t, 4, 4)
	l, dir := ledgertest.Open(t, com.Genesis(), opts)
	a := l.As(alice)
	a.ReserveStorage(testContext(t), 1, 1)
	a.ReserveStorage(testContext(t), 0, 1)
	l.AdvanceEpoch(testContext(t), nil)

	for _, m := range []struct {
		name   string
		labels string
		want   float64
	}{
		{"walrusfs_ledger_transactions_total", "kind=advance_epoch,outcome=ok", 1},
		{"walrusfs_ledger_transactions_total", "kind=reserve_storage,outcome=ok", 1},
		{"walrusfs_ledger_transactions_total", "kind=reserve_storage,outcome=rejected", 1},
		{"walrusfs_ledger_epoch", "", 1},
		{"walrusfs_ledger_events", "", 1}, // EpochChangeStart: no node reported its sync
	} {
		if got, ok := gathered(t, reg)[m.name+"{"+m.labels+"}"]; !ok || got != m.want {
			t.Errorf("%s{%s} = %v (found %t), want %v", m.name, m.labels, got, ok, m.want)
		}
	}
	if _, err := ledger.Open(dir, opts); err == nil {
		t.Fatal("second open succeeded")
	}
	l.Close()
	l, err := ledger.Open(dir, opts)
	if err != nil {
		t.Fatalf("reopen with the same registry: %v", err)
	}
	defer l.Close()
	for _, want := range []string{"ledger open", "kind=reserve_storage", "transaction rejected", "epoch changed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// gathered returns the counters and gauges of reg by name{label=value,...}.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}
