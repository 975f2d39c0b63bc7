package boltstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mezhved/store"
	"mezhved/store/boltstore"
)

// BenchmarkJournalGroupCommit measures journal records committed per second
// (fsync on) when 256 writers append at once: each Reject is one record,
// and one commit carries many.
func BenchmarkJournalGroupCommit(b *testing.B) {
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "mezhved.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var next atomic.Int64
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 256 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := s.Reject(ctx, store.Rejection{Time: time.Now(), MessageID: "m", Sender: "COURT01", Fault: "MZ-2001"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
