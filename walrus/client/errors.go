package client

import (
	"errors"

	"github.com/walrusfs/walrusfs/walrus/api"
)

// isPermanent reports whether retrying a request cannot help: the node
// refused it for a reason that will not change by itself.
func isPermanent(err error) bool {
	var e *api.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Reason {
	case api.ReasonNotRegistered, api.ReasonMissingSlivers, api.ReasonCacheSaturated:
		// The node may not have seen the registration, or the slivers, yet.
		return false
	case api.ReasonShardNotAssigned:
		// Around an epoch change the node may not have taken over the
		// shards the client's (newer) committee gives it yet.
		return false
	}
	return e.Permanent()
}
