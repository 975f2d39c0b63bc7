package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mezhved/store"
)

// TestRedrivenRequestIsDueAgain: a dead letter's due date is cleared (no
// answer will come); redriven, the request is due again, and overdue when
// no answer comes by then, unless its recipient had answered all the same.
func TestRedrivenRequestIsDueAgain(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		answered   bool
		lateBefore bool // found overdue before it died
		overdue    int  // found overdue after the redrive
		listed     int
	}{
		{"no answer", false, false, 1, 1},
		{"answered before it died", true, false, 0, 0},
		{"overdue before it died", false, true, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			m := testMessage("q")
			m.Received, m.Due = t0, t0.Add(time.Hour)
			visibility := time.Minute
			if tc.lateBefore {
				visibility = 2 * time.Hour
			}
			if _, err := s.Accept(ctx, m, store.Policy{Visibility: visibility, MaxAttempts: 1}); err != nil {
				t.Fatal(err)
			}
			if l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, t0); err != nil || l == nil {
				t.Fatalf("lease: %v, %v", l, err)
			}
			dies := t0.Add(2 * time.Minute)
			if tc.lateBefore {
				if r, err := s.Sweep(ctx, t0.Add(90*time.Minute)); err != nil || r.Overdue != 1 {
					t.Fatalf("sweep past the due date: %+v, %v", r, err)
				}
				dies = t0.Add(2*time.Hour + time.Minute)
			}
			if tc.answered {
				resp := testMessage("a")
				resp.Kind, resp.RequestID, resp.Sender, resp.Recipients = store.Response, "q", "FSSP01", []string{"COURT01"}
				if _, err := s.Accept(ctx, resp, store.Policy{Visibility: time.Minute, MaxAttempts: 1}); err != nil {
					t.Fatal(err)
				}
			}
			if r, err := s.Sweep(ctx, dies); err != nil || r.DeadLettered != 1 {
				t.Fatalf("sweep: %+v, %v", r, err)
			}
			if err := s.Redrive(ctx, "q", "FSSP01", "operator", dies.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, dies.Add(time.Minute)); err != nil || l == nil {
				t.Fatalf("lease after the redrive: %v, %v", l, err)
			}
			if _, err := s.Ack(ctx, "FSSP01", "q", true, dies.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			r, err := s.Sweep(ctx, dies.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			over, err := s.Overdue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Overdue != tc.overdue || len(over) != tc.listed {
				t.Fatalf("%d found overdue in the sweep, %d listed; want %d and %d", r.Overdue, len(over), tc.overdue, tc.listed)
			}
		})
	}
}

// TestSweepLooksPastStaleEntries: entries of messages already finished
// (their EOL entries stay until their time) take a sweep round's budget as
// any other; a sweep goes on to the live ones behind them.
func TestSweepLooksPastStaleEntries(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	policy := store.Policy{Visibility: time.Minute, MaxAttempts: 3}
	for i := range sweepBatch {
		m := testMessage(fmt.Sprintf("done-%04d", i))
		m.Received, m.EOL = t0, t0.Add(time.Hour)
		if _, err := s.Accept(ctx, m, policy); err != nil {
			t.Fatal(err)
		}
		if l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, t0); err != nil || l == nil {
			t.Fatalf("lease: %v, %v", l, err)
		}
		if _, err := s.Ack(ctx, "FSSP01", m.ID, true, t0); err != nil {
			t.Fatal(err)
		}
	}
	late := testMessage("late")
	late.Received, late.EOL = t0, t0.Add(time.Hour+time.Second)
	if _, err := s.Accept(ctx, late, policy); err != nil {
		t.Fatal(err)
	}
	r, err := s.Sweep(ctx, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.Expired != 1 {
		t.Fatalf("one sweep expired %d; want the one live message behind %d finished ones", r.Expired, sweepBatch)
	}
}

// TestUnreadableDataFailsOnlyItsOperation: an operation that meets stored
// data it cannot read back (a damaged delivery) gets ErrCorrupt, and the
// operations committed in the same batch are not failed with it.
func TestUnreadableDataFailsOnlyItsOperation(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	policy := store.Policy{Visibility: time.Minute, MaxAttempts: 3}
	if _, err := s.Accept(ctx, testMessage("damaged"), policy); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bDeliveries).Put(deliveryKey("damaged", "FSSP01"), []byte{0x01, 0x09})
	}); err != nil {
		t.Fatal(err)
	}
	// Hold the writer, so that the two calls below wait for it together
	// and are committed in one batch.
	release, held := make(chan struct{}), make(chan struct{})
	go s.do(ctx, func(*wtx) error { close(held); <-release; return nil })
	<-held
	waitQueued := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for len(s.ops) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d operations queued, want %d", len(s.ops), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	leased, accepted := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, time.Now())
		leased <- err
	}()
	waitQueued(1)
	other := testMessage("unrelated")
	other.Sender, other.Recipients = "TAX01", []string{"BANK01"}
	go func() {
		_, err := s.Accept(ctx, other, policy)
		accepted <- err
	}()
	waitQueued(2)
	close(release)
	if err := <-leased; !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("the lease of the damaged delivery: %v, want ErrCorrupt", err)
	}
	if err := <-accepted; err != nil {
		t.Errorf("the unrelated accept in its batch: %v", err)
	}
	if _, err := s.Message(ctx, "unrelated"); err != nil {
		t.Errorf("the unrelated message was not stored: %v", err)
	}
}

// TestPollExpiredCounted: a delivery a poll finds past its EOL is expired
// there, and the store says so (the sweep that comes later finds nothing
// left to expire, so its result cannot).
func TestPollExpiredCounted(t *testing.T) {
	var told atomic.Int64
	s, err := Open(filepath.Join(t.TempDir(), "mezhved.db"), &Options{OnPollExpired: func(n int) { told.Add(int64(n)) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m := testMessage("short-lived")
	m.Received, m.EOL = t0, t0.Add(time.Minute)
	if _, err := s.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, t0.Add(2*time.Minute)); err != nil || l != nil {
		t.Fatalf("lease past the EOL: %+v, %v; want nothing", l, err)
	}
	if n := told.Load(); n != 1 {
		t.Fatalf("told of %d expired by a poll, want 1", n)
	}
	if r, err := s.Sweep(ctx, t0.Add(3*time.Minute)); err != nil || r.Expired != 0 {
		t.Fatalf("sweep: %+v, %v; want nothing left to expire", r, err)
	}
}

// TestJournalByRefusesRecordsOutsideTheWalk: a record kept where the
// journal's walk does not read it (under key 0, below the base, or under
// another number than its own), with an index entry naming it, is not
// handed to an auditor as a record of the journal.
func TestJournalByRefusesRecordsOutsideTheWalk(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  uint64
		seq  uint64
	}{{"under key 0", 0, 999}, {"under another number", 50, 999}} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			if _, err := s.Accept(ctx, testMessage("real"), store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
				t.Fatal(err)
			}
			r := store.Record{Seq: tc.seq, Time: time.Now().UTC(), Event: store.EventReceived, MessageID: "planted", Sender: "COURT01"}
			r.Seal(store.GenesisHash)
			v, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.db.Update(func(tx *bolt.Tx) error {
				if err := tx.Bucket(bJournal).Put(u64(tc.key), v); err != nil {
					return err
				}
				return tx.Bucket(bIndex).Put(indexKey(string(store.ByMessage), "planted", tc.key), nil)
			}); err != nil {
				t.Fatal(err)
			}
			err = s.JournalBy(ctx, store.ByMessage, "planted", func(store.Record) error { return nil })
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("err = %v, want the planted record refused as corrupt", err)
			}
			// The journal's own records are still found.
			n := 0
			if err := s.JournalBy(ctx, store.ByMessage, "real", func(store.Record) error { n++; return nil }); err != nil || n == 0 {
				t.Fatalf("the real message's records: %d, %v", n, err)
			}
		})
	}
}

// TestLapseAfterEOL: a lease that runs out after its message's EOL has
// passed ends in the expiry, not in a redelivery that the next poll would
// expire.
func TestLapseAfterEOL(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m := testMessage("short")
	m.Received, m.EOL = t0, t0.Add(30*time.Second)
	if _, err := s.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, t0); err != nil || l == nil {
		t.Fatalf("lease: %v, %v", l, err)
	}
	r, err := s.Sweep(ctx, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if r.Redelivered != 0 || r.Expired != 1 {
		t.Fatalf("sweep %+v, want one expired and none redelivered", r)
	}
	d, err := s.Deliveries(ctx, "short")
	if err != nil || d["FSSP01"] != store.DeliveryExpired {
		t.Fatalf("delivery %v, %v; want expired", d, err)
	}
}

// TestCommitsCounted: the commit hook is told of commits, and of the
// operations in them: not of an operation refused (which commits nothing).
func TestCommitsCounted(t *testing.T) {
	var commits, ops atomic.Int64
	s, err := Open(filepath.Join(t.TempDir(), "mezhved.db"), &Options{OnCommit: func(n int, _ time.Duration) { commits.Add(1); ops.Add(int64(n)) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if _, err := s.Ack(ctx, "FSSP01", "unknown", true, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack of nothing: %v", err)
	}
	if commits.Load() != 0 {
		t.Fatalf("%d commits counted for a refused operation", commits.Load())
	}
	if _, err := s.Accept(ctx, testMessage("m"), store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	if commits.Load() != 1 || ops.Load() != 1 {
		t.Fatalf("%d commits of %d operations counted, want 1 of 1", commits.Load(), ops.Load())
	}
	if over, err := s.Overdue(ctx); err != nil || over == nil {
		t.Fatalf("no overdue requests: %#v, %v; want an empty list", over, err)
	}
}
