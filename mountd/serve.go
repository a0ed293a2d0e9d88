package mountd

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/mountstatus"
)

// serve mounts the file system on dir, runs its services until it is
// unmounted, then stops them (in the reverse order of their start) once
// the upload queue is drained and the tree published.
func (m *mount) serve(ctx, hurry context.Context, dir string, h Host) error {
	o, log := m.o, m.o.Log
	srv, err := m.fsys.Mount(dir, o.AllowOther)
	if err != nil {
		return err
	}
	src := m.statusSource(dir)
	stopReporting, err := m.report(ctx, src, h)
	if err != nil {
		_ = srv.Unmount()
		return err
	}
	defer stopReporting()
	stopAPI, err := m.serveAPI(ctx, h)
	if err != nil {
		_ = srv.Unmount()
		return err
	}
	defer stopAPI()
	defer m.startLoops()()
	pub := m.publisher()
	if pub != nil {
		src.SetPublisher(pub)
		defer runUntilStopped(pub.Run)()
	}
	log.Info("mounted", "dir", dir, "state", m.tree.fsDir, "chunk_size", m.chunkSize, "allow_other", o.AllowOther)
	fmt.Fprintf(o.Notices, "walrusfs: mounted on %s; Ctrl-C or \"walrusfs umount %s\" to stop\n", dir, dir)
	if h.Ready != nil {
		if err := h.Ready(); err != nil {
			log.Warn("telling the starting process the mount is ready", "err", err)
		}
	}
	stopWaiting, err := waitUnmounted(ctx, hurry, srv, dir)
	if err != nil {
		return err
	}
	log.Info("unmounted", "dir", dir)
	if o.NoDrain || pub == nil {
		return nil
	}
	return m.finishUploads(stopWaiting, pub)
}

// statusSource is what the status socket and the metrics report.
func (m *mount) statusSource(dir string) *mountstatus.Source {
	recipients := 0 // public
	if ring := m.tree.keys.Ring(); ring != nil {
		recipients = len(ring.Recipients)
	}
	return mountstatus.NewSource(mountstatus.Config{Mount: dir, StateDir: m.tree.fsDir, Kind: m.nw.kind, Since: time.Now(), Recipients: recipients,
		Meta: m.meta, FS: m.fsys, Uploader: m.uploader, Reader: m.reader, Files: m.files, Chain: m.nw.chain, Wallet: m.nw.wallet,
		HTTP: m.nw.http, Renewer: m.renewer, Collector: m.collector})
}

// report serves src on the status socket, and as Prometheus metrics when
// MetricsListen asks, until stop.
func (m *mount) report(ctx context.Context, src *mountstatus.Source, h Host) (stop func(), err error) {
	stopStatus, err := mountstatus.Serve(ctx, src, m.o.Log)
	if err != nil {
		return nil, err
	}
	if m.o.MetricsListen == "" {
		return stopStatus, nil
	}
	mountstatus.RegisterMetrics(h.Registry, src)
	lis, err := h.Listen(ctx, m.o.MetricsListen, 5*time.Second)
	if err != nil {
		stopStatus()
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	msrv := &http.Server{Handler: h.MetricsHandler, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = msrv.Serve(lis) }()
	return func() {
		msrv.Close()
		stopStatus()
	}, nil
}

// startLoops starts the background work of the mount: uploads, the file
// system's upkeep and commits, and, for a tree that changes, renewal and
// the collection of unused blobs. stop ends them all and waits.
func (m *mount) startLoops() (stop func()) {
	o := m.o
	loops := []func(context.Context){
		func(ctx context.Context) { m.uploader.Run(ctx, m.fsys) },
		func(ctx context.Context) { m.fsys.Maintain(ctx, 5*time.Second) },
		func(ctx context.Context) { m.fsys.CommitEvery(ctx, o.CommitInterval) },
	}
	if !o.ReadOnly && m.renewer != nil {
		loops = append(loops, m.renewer.Run)
		if !o.Permanent {
			every := min(m.nw.renewInterval, max(o.GCGrace/2, time.Second))
			loops = append(loops, func(ctx context.Context) { m.collector.Run(ctx, every) })
		}
	}
	// One context for all: they stop together, as none waits for another.
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	for _, loop := range loops {
		running.Go(func() { loop(ctx) })
	}
	return func() {
		cancel()
		running.Wait()
	}
}

// publisher is the manifest's publisher for a tree that changes; nil for
// a read-only one.
func (m *mount) publisher() *manifest.Publisher {
	if m.o.ReadOnly {
		return nil
	}
	o := m.o
	return &manifest.Publisher{Meta: m.meta, Blobs: recordingBlobs{RecordingStorer: m.stored, reader: m.nw.blobs}, Chain: m.nw.records, Owner: m.nw.owner,
		Name: o.Name, Epochs: o.Epochs, Settle: o.PublishAfter, Deletable: !o.Permanent, KeepSnapshots: o.KeepSnapshots,
		Seal: m.tree.keys.Seal(), Logger: o.Log.With("component", "manifest")}
}

// runUntilStopped runs loop in the background until stop, which waits for
// it to return.
func runUntilStopped(loop func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// waitUnmounted waits until the file system is unmounted from outside, or
// ctx ends and it unmounts it. The wait for uploads that follows ends with
// the next signal: stopWaiting is hurry if a signal unmounted, else ctx.
func waitUnmounted(ctx, hurry context.Context, srv *fuse.Server, dir string) (stopWaiting context.Context, err error) {
	served := make(chan struct{})
	go func() {
		srv.Wait()
		close(served)
	}()
	select {
	case <-served: // unmounted from outside
		return ctx, nil
	case <-ctx.Done():
		if err := unmount(srv, dir); err != nil {
			return nil, err
		}
		<-served
		return hurry, nil
	}
}
