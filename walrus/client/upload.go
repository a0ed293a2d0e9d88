package client

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// upload is one store's slivers on their way to the nodes. Store waits for
// a quorum of confirmations and a grace period; what is left goes on in the
// background until it ends, BackgroundTimeout passes, MaxBackground later
// stores push it out, or the client is closed. The encoded blob is released
// only once every node's upload has returned, since they read its slivers.
type upload struct {
	ctx    context.Context // the nodes' uploads; not the caller's
	cancel context.CancelFunc
	eb     *encoding.EncodedBlob
	nodes  sync.WaitGroup // one per node per committee
	// foreground is set while Store waits: progress is reported and
	// failures are warned of only then.
	foreground atomic.Bool
}

// startUpload starts an upload of eb, owned by the client until finish.
func (c *Client) startUpload(eb *encoding.EncodedBlob) (*upload, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	up := &upload{eb: eb}
	up.ctx, up.cancel = context.WithCancel(c.life)
	up.foreground.Store(true)
	c.bg.Add(1) // under c.mu, so never after Close began waiting
	return up, nil
}

// finish hands what is left of an upload to the background (cancelling it
// at once if the store failed) and releases the encoded blob once it ends.
func (c *Client) finish(up *upload, stored bool) {
	up.foreground.Store(false)
	if !stored {
		up.cancel()
	}
	deadline := time.AfterFunc(c.opts.BackgroundTimeout, up.cancel)
	c.mu.Lock()
	c.uploads = append(c.uploads, up)
	// Memory is bounded by the blobs still uploading: the oldest go.
	live := 0
	for i := len(c.uploads) - 1; i >= 0; i-- {
		if u := c.uploads[i]; u.ctx.Err() == nil {
			if live++; live > c.opts.MaxBackground {
				u.cancel()
			}
		}
	}
	c.mu.Unlock()
	go func() {
		defer c.bg.Done()
		up.nodes.Wait()
		deadline.Stop()
		up.cancel()
		up.eb.Release()
		c.mu.Lock()
		c.uploads = slices.DeleteFunc(c.uploads, func(u *upload) bool { return u == up })
		c.mu.Unlock()
	}()
}

// BackgroundUploads returns the number of stores whose uploads, to the nodes
// that had not confirmed when they returned, still go on.
func (c *Client) BackgroundUploads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.uploads)
}

// nodeResult is one node's part of an upload.
type nodeResult struct {
	m    member
	conf messages.SignedMessage
	err  error
}

// uploadNode runs one node's upload as part of up, sending its result to
// results (buffered for every node, so that it never blocks).
func (c *Client) uploadNode(up *upload, m member, args uploadArgs, results chan<- nodeResult) {
	up.nodes.Add(1)
	go func() {
		defer up.nodes.Done()
		conf, err := c.uploadTo(up, m, args)
		if err == nil {
			err = c.checkConfirmation(conf, args.want, m)
		}
		if err != nil && up.ctx.Err() == nil {
			if up.foreground.Load() {
				c.log.Warn("node did not confirm", "node", m.node.Name, "addr", m.node.Address, "blob", up.eb.ID, "err", err)
			} else {
				c.log.Info("node did not take a stored blob; it will recover it", "node", m.node.Name, "addr", m.node.Address, "blob", up.eb.ID, "err", err)
			}
		}
		if err != nil {
			err = fmt.Errorf("node %s: %w", m.node.Name, err)
		}
		results <- nodeResult{m: m, conf: conf, err: err}
	}()
}
