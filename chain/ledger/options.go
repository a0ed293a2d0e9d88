package ledger

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure an open ledger. The zero value is valid.
type Options struct {
	// Logger receives structured logs; nil keeps the ledger silent.
	Logger *slog.Logger
	// Registerer receives the ledger's metrics; nil registers none. Close
	// unregisters them.
	Registerer prometheus.Registerer
	// Now is the clock that stamps transactions and times automatic epoch
	// changes; nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
