package node

import "time"

// SetParkedRetryInterval shortens the wait before parked events are
// retried, for tests; it returns the function that restores it.
func SetParkedRetryInterval(d time.Duration) (restore func()) {
	old := parkedRetryInterval
	parkedRetryInterval = d
	return func() { parkedRetryInterval = old }
}

// RoutePatterns returns the ServeMux patterns of the node's API.
func RoutePatterns() []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.pattern
	}
	return out
}
