package boltstore_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

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

// BenchmarkAcceptWriters measures what group commit saves: 4 KB messages
// accepted (fsync on) by 4 to 64 writers at once, each waiting for its
// commit before the next, so that a commit holds about as many messages as
// there are writers. It reports the process's CPU time per message
// (getrusage: the commits' page writes and syncs included) and the rate.
func BenchmarkAcceptWriters(b *testing.B) {
	env := bytes.Repeat([]byte("<x>enforcement</x>"), 4000/18)
	for _, writers := range []int{4, 8, 16, 32, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := boltstore.Open(filepath.Join(b.TempDir(), "mezhved.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = uuid.Must(uuid.NewUUID()).String()
			}
			ctx := context.Background()
			var next atomic.Int64
			cpu0 := processCPU()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						now := time.Now()
						m := &store.Message{ID: ids[i], Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: "bench",
							Received: now, Envelope: env, Recipients: []string{"FSSP01"}, Due: now.Add(72 * time.Hour)}
						if _, err := s.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 5}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// processCPU is this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLeaseEmpty measures a poll of an empty queue, as an idle
// participant's GetRequest makes one.
func BenchmarkLeaseEmpty(b *testing.B) {
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "mezhved.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, time.Now())
		if err != nil || l != nil {
			b.Fatal(l, err)
		}
	}
}
