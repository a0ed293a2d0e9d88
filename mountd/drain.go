package mountd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/internal/human"
)

// finishUploads, after unmounting, queues what a failed commit left,
// waits for the queue to drain (at most DrainTimeout, or until stopWaiting
// ends) and publishes the tree's manifest.
func (m *mount) finishUploads(stopWaiting context.Context, pub *manifest.Publisher) error {
	if err := m.fsys.Recover(); err != nil {
		return err
	}
	dctx, stop := context.WithTimeout(stopWaiting, m.o.DrainTimeout)
	defer stop()
	if err := drain(dctx, m.o.Notices, m.uploader); err != nil {
		if stopWaiting.Err() != nil {
			return nil // asked to stop now: no publishing either
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
	pctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := pub.PublishNow(pctx); err != nil {
		return fmt.Errorf("publish the tree's manifest: %w", err)
	}
	return nil
}

// drain waits for the upload queue to empty, showing its progress, until
// ctx ends; what is left then stays queued, and the user is told so.
func drain(ctx context.Context, w io.Writer, u *cache.Uploader) error {
	last := time.Time{}
	left := 0
	err := u.Drain(ctx, func(files int, bytes int64, errs []string) {
		left = files
		if time.Since(last) < 2*time.Second {
			return
		}
		last = time.Now()
		msg := fmt.Sprintf("walrusfs: waiting for %d file(s), %s, to upload (Ctrl-C to leave them queued for the next mount)", files, human.Bytes(bytes))
		if len(errs) > 0 {
			msg += "; last error: " + errs[len(errs)-1]
		}
		fmt.Fprintln(w, msg)
	})
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(w, "walrusfs: stopped waiting: %d file(s) stay queued, and upload at the next mount\n", left)
	}
	if err != nil {
		return fmt.Errorf("drain the upload queue: %w", err)
	}
	return nil
}
