package ledger_test

import (
	"fmt"
	"testing"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
)

// BenchmarkReserve measures one small transaction: rules, record, fsync.
func BenchmarkReserve(b *testing.B) {
	com := ledgertest.NewCommittee(b, 4, 4)
	l, _ := ledgertest.Open(b, com.Genesis(), ledger.Options{})
	a := l.As(alice)
	ctx := b.Context()
	for b.Loop() {
		if _, err := a.ReserveStorage(ctx, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCertify measures certification, BLS verification included.
func BenchmarkCertify(b *testing.B) {
	com := ledgertest.NewCommittee(b, 7, 100)
	l, _ := ledgertest.Open(b, com.Genesis(), ledger.Options{})
	a := l.As(alice)
	ctx := b.Context()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		id, root := ledgertest.Blob(100, fmt.Sprint(i))
		st, err := a.ReserveStorage(ctx, 1<<30, 1)
		if err != nil {
			b.Fatal(err)
		}
		blob, err := a.RegisterBlob(ctx, st.ID, id, root, 100, 1, false)
		if err != nil {
			b.Fatal(err)
		}
		cert := com.Confirm(b, com.Quorum(), confirmation(blob, 0))
		b.StartTimer()
		if _, err := a.CertifyBlob(ctx, blob.ID, cert); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay measures Open on a log of 10,000 transactions.
func BenchmarkReplay(b *testing.B) {
	com := ledgertest.NewCommittee(b, 4, 4)
	l, dir := ledgertest.Open(b, com.Genesis(), ledger.Options{})
	a := l.As(alice)
	for range 10_000 {
		if _, err := a.ReserveStorage(b.Context(), 1, 1); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
	for b.Loop() {
		l, err := ledger.Open(dir, ledger.Options{})
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}
