package audit_test

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mezhved/exchange/audit"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// BenchmarkVerifyChain measures chain verification (hashes and order, no
// envelopes) over a journal of 200,000 records; the figure is records per
// second.
func BenchmarkVerifyChain(b *testing.B) {
	const n = 200_000
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "mezhved.db"), &boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= n; i = next.Add(1) {
				if err := st.Reject(ctx, store.Rejection{Time: t0, MessageID: "m", Sender: "COURT01", Fault: "MZ-2001"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	for b.Loop() {
		sum, err := audit.Verify(ctx, st, audit.Options{})
		if err != nil || sum.Records != n {
			b.Fatalf("%v %+v", err, sum)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
