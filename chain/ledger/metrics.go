package ledger

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics of a ledger.
type metrics struct {
	// transactions counts transactions by kind and outcome: "ok",
	// "rejected" (a rule said no; nothing changed) or "failed" (the log
	// could not be written).
	transactions *prometheus.CounterVec
	// appendSeconds is the time to write and fsync one record.
	appendSeconds prometheus.Histogram
	// epoch is the current epoch.
	epoch prometheus.Gauge
	// events is the number of events in the stream.
	events prometheus.Gauge
	// logBytes is the size of the log file.
	logBytes prometheus.Gauge

	reg prometheus.Registerer
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "walrusfs", Subsystem: "ledger", Name: "transactions_total",
			Help: "Transactions by kind and outcome (ok, rejected by a rule, failed to persist).",
		}, []string{"kind", "outcome"}),
		appendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "walrusfs", Subsystem: "ledger", Name: "append_seconds",
			Help:    "Time to write and fsync one log record.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 8),
		}),
		epoch: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "walrusfs", Subsystem: "ledger", Name: "epoch",
			Help: "Current epoch.",
		}),
		events: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "walrusfs", Subsystem: "ledger", Name: "events",
			Help: "Events in the stream (the next event's cursor).",
		}),
		logBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "walrusfs", Subsystem: "ledger", Name: "log_bytes",
			Help: "Size of the log file in bytes.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var done []prometheus.Collector
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			for _, d := range done {
				reg.Unregister(d)
			}
			return nil, fmt.Errorf("register ledger metrics: %w", err)
		}
		done = append(done, c)
	}
	m.reg = reg
	return m, nil
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.transactions, m.appendSeconds, m.epoch, m.events, m.logBytes}
}

func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.collectors() {
		m.reg.Unregister(c)
	}
}

// outcome classifies a transaction's error for the transactions metric.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrFailed), errors.Is(err, ErrClosed), errors.Is(err, errWriteUndone):
		return "failed"
	}
	return "rejected"
}
