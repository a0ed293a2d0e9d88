package node

import "time"

// SetParkedRetryInterval shortens the wait before parked events are
// retried, for tests; it returns the function that restores it.
func SetParkedRetryInterval(d time.Duration) (restore func()) {
	old := parkedRetryInterval
	parkedRetryInterval = d
	return func() { parkedRetryInterval = old }
}
