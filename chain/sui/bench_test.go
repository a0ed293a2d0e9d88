package sui_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// BenchmarkStore stores blobs on one local network (4 nodes, 100 shards)
// through the in-process ledger and through Sui gRPC to the ledger's face,
// in the same run, and reports where a store's time goes: encode, register,
// upload, certify (ms per store).
func BenchmarkStore(b *testing.B) {
	f := facetest.Start(b, 4, 100)
	salt := uint64(0)
	for _, size := range []int{1 << 10, 1 << 20} {
		for _, via := range []string{"ledger", "sui"} {
			salt++
			b.Run(fmt.Sprintf("%s/%dKiB", via, size>>10), func(b *testing.B) {
				c := benchClient(b, f, via)
				ctx := context.Background()
				var tm client.StoreTimings
				b.SetBytes(int64(size))
				for i := 0; b.Loop(); i++ {
					data := blobOf(size, byte(i))
					binary.LittleEndian.PutUint64(data, salt<<32|uint64(i)) // every blob new
					res, err := c.Store(ctx, data, 2, true)
					if err != nil {
						b.Fatal(err)
					}
					if res.Reused {
						b.Fatal("blob reused")
					}
					tm.Encode += res.Timings.Encode
					tm.Register += res.Timings.Register
					tm.Upload += res.Timings.Upload
					tm.Certify += res.Timings.Certify
				}
				ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
				b.ReportMetric(ms(tm.Encode), "encode-ms/op")
				b.ReportMetric(ms(tm.Register), "register-ms/op")
				b.ReportMetric(ms(tm.Upload), "upload-ms/op")
				b.ReportMetric(ms(tm.Certify), "certify-ms/op")
			})
		}
	}
}

// BenchmarkRead reads a 1 MiB blob back through each path; the chain is
// asked only for the committee, so the two should be close.
func BenchmarkRead(b *testing.B) {
	f := facetest.Start(b, 4, 100)
	ctx := context.Background()
	data := blobOf(1<<20, 9)
	res, err := benchClient(b, f, "sui").Store(ctx, data, 2, false)
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{}
	d := f.Ledger.SuiDeployment()
	for _, via := range []string{"ledger", "sui"} {
		b.Run(via+"/1024KiB", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				// A fresh client each time, as a CLI is: no cached metadata
				// or committee (connections to the nodes are reused).
				var ch chain.Chain = f.Ledger.As(chain.Address{})
				done := func() {}
				if via == "sui" {
					c, err := sui.Dial(sui.Config{RPCURL: f.URL, System: d.System, Staking: d.Staking})
					if err != nil {
						b.Fatal(err)
					}
					ch, done = c, func() { c.Close() }
				}
				_, err := client.New(ch, client.Options{HTTPClient: hc}).Read(ctx, res.BlobID)
				done()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchClient(b *testing.B, f *facetest.Net, via string) *client.Client {
	if via == "ledger" {
		return f.Client(chain.Address(f.Key.Address()), client.Options{})
	}
	return client.New(f.Dial(b), client.Options{})
}

// BenchmarkRenew extends 200 blobs by one epoch, one transaction per blob
// or 100 per transaction, through the Sui face, and reports gas (MIST) and
// WAL (FROST) per blob and transactions per renewal of all of them.
func BenchmarkRenew(b *testing.B) {
	const blobs = 200
	f := facetest.Start(b, 4, 100)
	ctx := context.Background()
	c := f.Dial(b)
	wc := client.New(c, client.Options{})
	var ids []chain.ObjectID
	for i := range blobs {
		data := blobOf(1000, byte(i))
		binary.LittleEndian.PutUint64(data, uint64(i)+1<<40)
		res, err := wc.Store(ctx, data, 2, false)
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, res.Object.ID)
	}
	ones := make([]uint32, 100)
	for i := range ones {
		ones[i] = 1
	}
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			before := c.Spent()
			txs := 0
			for b.Loop() {
				for i := 0; i < blobs; i += batch {
					var err error
					if batch == 1 {
						_, err = c.ExtendBlob(ctx, ids[i], 1)
					} else {
						_, err = c.ExtendBlobs(ctx, ids[i:i+batch], ones[:batch])
					}
					if err != nil {
						b.Fatal(err)
					}
					txs++
				}
			}
			spent := c.Spent()
			n := float64(b.N * blobs)
			b.ReportMetric(float64(spent.SUI-before.SUI)/n, "gas-mist/blob")
			b.ReportMetric(float64(spent.WAL-before.WAL)/n, "wal-frost/blob")
			b.ReportMetric(float64(txs)/float64(b.N), "tx/renewal")
		})
	}
}
