package mountstatus

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/internal/human"
)

// Print writes the mounts' status for a person: one block per mount, or
// a line saying no mount of stateDir runs.
func Print(w io.Writer, stateDir string, all []Status) {
	if len(all) == 0 {
		fmt.Fprintf(w, "no running mount uses %s\n", stateDir)
		return
	}
	for i, st := range all {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (pid %d, up %s)\n", st.Mount, st.PID, time.Since(st.Since).Round(time.Second))
		n := st.Network
		health := "healthy"
		switch {
		case n.Error != "":
			health = "unreachable: " + n.Error
		case !n.CanRead:
			health = "DOWN: too few shards to read"
		case !n.CanWrite:
			health = "DEGRADED: reads work, uploads wait (too few shards to certify)"
		case n.ShardsUp < n.Shards:
			health = "degraded: some shards down"
		}
		if n.HTTP != nil {
			fmt.Fprintf(w, "  network   Walrus over HTTP: publisher %s, aggregator %s\n", cmp.Or(n.HTTP.Publisher, "none (read-only)"), n.HTTP.Aggregator)
			fmt.Fprintln(w, "  renewal   OFF: no wallet to pay, so blobs are not renewed and unused ones are not deleted (they last the epochs they were stored for)")
		} else {
			fmt.Fprintf(w, "  network   %s, epoch %d, %d/%d shards up: %s\n", n.Kind, n.Epoch, n.ShardsUp, n.Shards, health)
		}
		switch st.Encryption {
		case "private":
			fmt.Fprintf(w, "  privacy   private: files and the tree are age-encrypted to %d recipient(s)", st.Recipients)
			if st.PublicFiles > 0 {
				fmt.Fprintf(w, "; %d file(s) PUBLIC on purpose (user.walrus.public; user.walrus.state says which)", st.PublicFiles)
			}
			fmt.Fprintln(w)
		case "public":
			fmt.Fprintln(w, "  privacy   PUBLIC: files and the tree are stored unencrypted, readable by anyone with their blob IDs")
		}
		for _, nd := range n.Nodes {
			if !nd.Up {
				fmt.Fprintf(w, "            node %s (%s, %d shards) down: %s\n", nd.Name, nd.Address, nd.Shards, nd.Error)
			}
		}
		if wl := st.Wallet; wl != nil {
			fmt.Fprintf(w, "  wallet    %s: %s, %s; spent %s and %s since start\n", wl.Address,
				sui.FormatSUI(wl.SUI), sui.FormatWAL(wl.WAL), sui.FormatSUI(wl.SpentSUI), sui.FormatWAL(wl.SpentWAL))
			if wl.Error != "" {
				fmt.Fprintf(w, "            balances unknown: %s\n", wl.Error)
			}
			per := wl.PerEpoch
			if len(per) > 5 {
				per = per[len(per)-5:] // the latest
			}
			for _, e := range per {
				fmt.Fprintf(w, "            epoch %d: %s and %s\n", e.Epoch, sui.FormatWAL(e.WAL), sui.FormatSUI(e.SUI))
			}
		}
		if r := st.Renewal; r != nil && !r.Checked.IsZero() {
			line := fmt.Sprintf("  renewal   %d blob(s) kept %d epochs ahead", r.Blobs, r.Keep)
			if r.EarliestEnd != 0 {
				line += fmt.Sprintf("; the soonest ends with epoch %d (now %d)", r.EarliestEnd, r.Epoch)
			}
			if r.NextDue != 0 {
				line += fmt.Sprintf("; next renewal due in epoch %d", r.NextDue)
			}
			if r.CostPerEpoch != 0 {
				line += fmt.Sprintf("; keeping the tree costs %s per epoch", sui.FormatWAL(r.CostPerEpoch))
			}
			line += fmt.Sprintf("; %d renewal(s) since start", r.Renewed)
			fmt.Fprintln(w, line)
			if r.Expired > 0 {
				fmt.Fprintf(w, "            %d blob(s) EXPIRED: their files cannot be read from the network\n", r.Expired)
			}
			if r.LastError != "" {
				fmt.Fprintf(w, "            renewal failing (retried): %s\n", r.LastError)
			}
		}
		if c := st.Collect; c != nil && (c.Deleted > 0 || c.Waiting > 0 || c.LastError != "") {
			fmt.Fprintf(w, "  reclaim   %d unused blob(s) deleted since start (%s), their storage back in the wallet; %d unused, waiting out their grace\n",
				c.Deleted, human.Bytes(int64(c.ReclaimedBytes)), c.Waiting)
			if c.LastError != "" {
				fmt.Fprintf(w, "            deleting failing (retried): %s\n", c.LastError)
			}
		}
		if st.LostFiles > 0 {
			fmt.Fprintf(w, "  LOST      %d file(s) whose only copy was local are gone (their data files were deleted): reads fail until they are rewritten or deleted\n", st.LostFiles)
			for _, l := range st.Lost {
				fmt.Fprintf(w, "            %s (inode %d, %s)\n", cmp.Or(l.Path, "?"), l.Ino, l.Reason)
			}
			if st.LostFiles > len(st.Lost) {
				fmt.Fprintf(w, "            ... %d more\n", st.LostFiles-len(st.Lost))
			}
		}
		q := st.Queue
		fmt.Fprintf(w, "  uploads   %d file(s), %s queued; %d file(s), %s certified since start; %d failed attempt(s)\n",
			q.Files, human.Bytes(q.Bytes), st.Uploads.Files, human.Bytes(st.Uploads.Bytes), st.Uploads.Failures)
		if c := q.Current; c != nil {
			fmt.Fprintf(w, "            uploading inode %d: %s of %s\n", c.Ino, human.Bytes(c.DoneBytes), human.Bytes(c.Bytes))
		}
		for j, e := range q.Entries {
			if j == 10 {
				fmt.Fprintf(w, "            ... %d more\n", q.Files-j)
				break
			}
			line := fmt.Sprintf("            %s (%s), queued %s ago", queuedName(e), human.Bytes(e.Bytes), time.Since(e.Since).Round(time.Second))
			if e.Attempts > 0 {
				line += fmt.Sprintf(", %d failed attempt(s): %s", e.Attempts, e.LastError)
			}
			fmt.Fprintln(w, line)
		}
		if m := st.Manifest; m != nil {
			switch {
			case m.Published != nil:
				fmt.Fprintf(w, "  manifest  %q version %d: %s, published %s ago\n", m.Published.Name, m.Published.Version,
					m.Published.Manifest, time.Since(time.Unix(0, m.Published.At)).Round(time.Second))
			default:
				fmt.Fprintln(w, "  manifest  not published yet")
			}
			if m.LastError != "" {
				fmt.Fprintf(w, "            last attempt failed: %s\n", m.LastError)
			}
			if m.Behind > 0 {
				fmt.Fprintf(w, "            %d file(s) newer than the manifest, waiting for their uploads\n", m.Behind)
			}
		}
		c := st.Cache
		fmt.Fprintf(w, "  cache     %d local file(s), %s; read cache %s of %s in memory (%d hits, %d misses); %s free on disk\n",
			c.LocalFiles, human.Bytes(c.LocalBytes), human.Bytes(c.Bytes), human.Bytes(c.MaxBytes), c.Hits, c.Misses, human.Bytes(c.DiskFree))
		if d := c.Disk; d != nil {
			fmt.Fprintf(w, "            read cache on disk: %s of %s, %d window(s), %d hits\n", human.Bytes(d.Bytes), human.Bytes(d.MaxBytes), d.Entries, d.Hits)
			if d.Damaged > 0 {
				fmt.Fprintf(w, "            %d damaged read cache entries dropped and fetched again\n", d.Damaged)
			}
		}
		if c.DroppedCopies > 0 {
			fmt.Fprintf(w, "            %d local copies were missing or damaged: their files are read from the network\n", c.DroppedCopies)
		}
	}
}

// queuedName names a queued file: its path in the mount when it was
// queued, else its inode number.
func queuedName(e QueueItem) string {
	if e.Path != "" {
		return "/" + strings.TrimPrefix(e.Path, "/")
	}
	return fmt.Sprintf("inode %d", e.Ino)
}
