package main

import "testing"

// TestHTTPFlags: a publisher or aggregator given wrongly, or beside a
// network of one's own, is a usage error before anything is dialed.
func TestHTTPFlags(t *testing.T) {
	for _, args := range [][]string{
		{"store", "--publisher", "ftp://example.com", "x"},
		{"store", "--publisher", "example.com:80", "x"},
		{"store", "--publisher", "http://127.0.0.1:1", "--network", "net.yaml", "x"},
		{"store", "--publisher", "http://127.0.0.1:1", "--epochs", "max", "x"},
		{"store", "--publisher", "http://127.0.0.1:1", "--publisher-max-body", "0", "x"},
		{"read", "--aggregator", "http://127.0.0.1:1", "--n-shards", "2", "x"},
		{"read", "--aggregator", "http://127.0.0.1:1", "not-a-blob-id"},
		{"read", "--aggregator", "http://127.0.0.1:1", "--config", "c.yaml", "x"},
		{"mount", "--publisher", "http://127.0.0.1:1", "d"},
		{"mount", "--aggregator", "http://127.0.0.1:1", "d"},
		{"mount", "--manifest", "AAAA", "d"},
		{"mount", "--publisher", "http://127.0.0.1:1", "--aggregator", "http://127.0.0.1:1", "--manifest", "nope", "d"},
		{"mount", "--publisher", "http://127.0.0.1:1", "--aggregator", "http://127.0.0.1:1", "--sui-listen", "127.0.0.1:0", "d"},
	} {
		if code := run(args); code != exitUsage {
			t.Errorf("walrusfs %q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
