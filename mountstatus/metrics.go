package mountstatus

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/cache"
)

// RegisterMetrics exposes the mount's figures to Prometheus: gauges and
// counters read from src's parts at each scrape.
func RegisterMetrics(reg prometheus.Registerer, src *Source) {
	c := src.cfg
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	queue := func() (files, bytes float64) {
		f, b, _ := c.Meta.Book().QueueTotals()
		return float64(f), float64(b)
	}
	gauge("walrusfs_upload_queue_files", "Files waiting to be uploaded.", func() float64 { f, _ := queue(); return f })
	gauge("walrusfs_upload_queue_bytes", "Bytes of the files waiting to be uploaded.", func() float64 { _, b := queue(); return b })
	gauge("walrusfs_lost_files", "Files whose only copy was local and is gone.", func() float64 { _, n, _ := c.Meta.Book().Lost(1); return float64(n) })
	counter("walrusfs_uploaded_files_total", "Files pointed at certified blobs.", func() float64 { return float64(c.Uploader.Stats().Files) })
	counter("walrusfs_uploaded_bytes_total", "Bytes of the files pointed at certified blobs.", func() float64 { return float64(c.Uploader.Stats().Bytes) })
	counter("walrusfs_blobs_stored_total", "Blobs stored.", func() float64 { return float64(c.Uploader.Stats().Stored) })
	counter("walrusfs_blobs_deduplicated_total", "Chunks whose content was stored before.", func() float64 { return float64(c.Uploader.Stats().Deduped) })
	counter("walrusfs_upload_failures_total", "Failed upload attempts.", func() float64 { return float64(c.Uploader.Stats().Failures) })
	gauge("walrusfs_read_cache_bytes", "Bytes of network content cached in memory.", func() float64 { return float64(c.Reader.Stats().Bytes) })
	counter("walrusfs_read_cache_hits_total", "Reads served from the read cache.", func() float64 { return float64(c.Reader.Stats().Hits) })
	counter("walrusfs_read_cache_misses_total", "Reads that fetched from the network.", func() float64 { return float64(c.Reader.Stats().Misses) })
	disk := func() cache.DiskCacheStats {
		if d := c.Reader.Stats().Disk; d != nil {
			return *d
		}
		return cache.DiskCacheStats{}
	}
	gauge("walrusfs_disk_cache_bytes", "Bytes of network content cached on disk.", func() float64 { return float64(disk().Bytes) })
	counter("walrusfs_disk_cache_hits_total", "Windows of network content served from the disk cache.", func() float64 { return float64(disk().Hits) })
	counter("walrusfs_network_read_bytes_total", "Bytes of file content fetched from the network.", func() float64 { return float64(c.Reader.Stats().FetchedBytes) })
}
