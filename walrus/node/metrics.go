package node

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the node's Prometheus metrics:
//   - walrus_node_requests_total{method,code}: API requests served;
//   - walrus_node_request_seconds{method}: their latency;
//   - walrus_node_bytes_received_total / _sent_total: body bytes;
//   - walrus_node_slivers_stored_total{axis}: slivers stored (uploaded or rebuilt);
//   - walrus_node_slivers_rejected_total{reason}: slivers refused;
//   - walrus_node_slivers_recovered_total and walrus_node_recovery_errors_total;
//   - walrus_node_peer_bytes_received_total: bytes downloaded from other nodes;
//   - walrus_node_bodies_refused_total: request bodies refused for want of
//     room in the body budget (429) or for arriving too slowly (408);
//   - walrus_node_event_failures_total: failures to read or apply chain events;
//   - walrus_node_events_parked (gauge) and _parked_total: blob events set
//     aside after failing repeatedly, to retry later.
type metrics struct {
	requests          *prometheus.CounterVec
	latency           *prometheus.HistogramVec
	bytesIn, bytesOut prometheus.Counter
	stored            *prometheus.CounterVec
	rejected          *prometheus.CounterVec
	recovered         prometheus.Counter
	synced            prometheus.Counter
	recoveryErrors    prometheus.Counter
	peerBytes         prometheus.Counter
	throttled         prometheus.Counter
	eventFailures     prometheus.Counter
	parked            prometheus.Gauge
	parkedTotal       prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "walrus_node_requests_total", Help: "API requests served."}, []string{"method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "walrus_node_request_seconds", Help: "API request latency.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)}, []string{"method"}),
		bytesIn:        prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_bytes_received_total", Help: "Request body bytes read."}),
		bytesOut:       prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_bytes_sent_total", Help: "Response body bytes written."}),
		stored:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "walrus_node_slivers_stored_total", Help: "Slivers stored."}, []string{"axis"}),
		rejected:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "walrus_node_slivers_rejected_total", Help: "Slivers refused."}, []string{"reason"}),
		recovered:      prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_slivers_recovered_total", Help: "Slivers rebuilt from recovery symbols."}),
		synced:         prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_slivers_synced_total", Help: "Slivers of gained shards pulled from their previous owner."}),
		recoveryErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_recovery_errors_total", Help: "Failed sliver recoveries."}),
		peerBytes:      prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_peer_bytes_received_total", Help: "Response body bytes received from other nodes (metadata and recovery symbols)."}),
		throttled:      prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_bodies_refused_total", Help: "Request bodies refused: no room in the body budget, or too slow."}),
		eventFailures:  prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_event_failures_total", Help: "Failures to read or apply chain events."}),
		parked:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "walrus_node_events_parked", Help: "Blob events set aside after failing repeatedly, waiting for a retry."}),
		parkedTotal:    prometheus.NewCounter(prometheus.CounterOpts{Name: "walrus_node_events_parked_total", Help: "Blob events set aside after failing repeatedly."}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.bytesIn, m.bytesOut, m.stored, m.rejected, m.recovered, m.synced, m.recoveryErrors, m.peerBytes,
			m.throttled, m.eventFailures, m.parked, m.parkedTotal)
	}
	return m
}

type recordingWriter struct {
	http.ResponseWriter
	code  int
	bytes int
}

func (w *recordingWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// instrument counts requests, latency and bytes.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &recordingWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rw, r)
		m.requests.WithLabelValues(r.Method, strconv.Itoa(rw.code)).Inc()
		m.latency.WithLabelValues(r.Method).Observe(time.Since(start).Seconds())
		if r.ContentLength > 0 {
			m.bytesIn.Add(float64(r.ContentLength))
		}
		m.bytesOut.Add(float64(rw.bytes))
	})
}

// countingTransport counts the response body bytes of a client's requests.
type countingTransport struct {
	next  http.RoundTripper
	count prometheus.Counter
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, count: t.count}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	count prometheus.Counter
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.count.Add(float64(n))
	return n, err
}
