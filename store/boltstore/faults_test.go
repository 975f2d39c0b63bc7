package boltstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mezhved/internal/faultfs"
	"mezhved/store"
	"mezhved/store/boltstore"
)

var faultPolicy = store.Policy{Visibility: time.Minute, MaxAttempts: 5}

func faultMsg(id string, size int) *store.Message {
	env := fmt.Appendf(nil, "<envelope id=%q>%s</envelope>", id, make([]byte, size))
	return &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ", Received: time.Now(), Digest: sha256.Sum256(env),
		Envelope: env, Recipients: []string{"FSSP01"}}
}

// openFaulty opens a store with a Disk between it and its file.
func openFaulty(t *testing.T, path string, o *boltstore.Options) (*boltstore.Store, *faultfs.Disk) {
	t.Helper()
	s, err := boltstore.Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	d := &faultfs.Disk{}
	if err := faultfs.Attach(s, d); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s, d
}

// verifyChain checks the journal's chain and returns its records.
func verifyChain(t *testing.T, s store.Store) []store.Record {
	t.Helper()
	v := store.NewChainVerifier()
	var recs []store.Record
	if err := s.Journal(context.Background(), 1, func(r store.Record) error {
		recs = append(recs, r)
		return v.Check(r)
	}); err != nil {
		t.Fatalf("the journal does not verify: %v", err)
	}
	seq, hash, err := s.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if seq != v.Records || (len(recs) > 0 && hash != recs[len(recs)-1].Hash) {
		t.Fatalf("the journal's head (%d) is not its last record (%d)", seq, v.Records)
	}
	return recs
}

// received lists the messages the journal says were received.
func received(recs []store.Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range recs {
		if r.Event == store.EventReceived {
			out[r.MessageID] = true
		}
	}
	return out
}

// TestDiskFullStore: writers run into a disk that fills up part-way through
// commits. Every write that was refused is ErrUnavailable and changed
// nothing; every write that was answered is there after a reopen; reads
// keep working while the disk is full; writes resume when space returns;
// the journal verifies throughout.
func TestDiskFullStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mezhved.db")
	s, d := openFaulty(t, path, nil)
	for i := range 20 {
		if _, err := s.Accept(ctx, faultMsg(fmt.Sprint("before-", i), 100), faultPolicy); err != nil {
			t.Fatal(err)
		}
	}
	d.SetBudget(256 << 10)
	var mu sync.Mutex
	accepted, refused := map[string]bool{}, map[string]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				_, err := s.Accept(ctx, faultMsg(id, 3000), faultPolicy)
				mu.Lock()
				if err == nil {
					accepted[id] = true
				} else {
					refused[id] = true
				}
				n := len(refused)
				mu.Unlock()
				if err != nil && !errors.Is(err, store.ErrUnavailable) {
					t.Errorf("%s: %v, want ErrUnavailable", id, err)
					return
				}
				if n >= 200 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(accepted) == 0 {
		t.Fatal("the disk filled before any message was accepted")
	}
	// Full: reads work, writes of every kind are refused.
	if m, err := s.Message(ctx, "before-3"); err != nil || len(m.Envelope) == 0 {
		t.Fatalf("reading on a full disk: %v", err)
	}
	if _, err := s.Stats(ctx, "FSSP01"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, time.Now()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Lease on a full disk: %v", err)
	}
	// Polls that find nothing write nothing, so they answer.
	if l, err := s.Lease(ctx, "BANK044525225", store.Request, store.Selector{}, time.Now()); l != nil || err != nil {
		t.Fatalf("Lease of an empty queue on a full disk: %v, %v", l, err)
	}
	if e, err := s.NextStatus(ctx, "COURT01", time.Now()); e != nil || err != nil {
		t.Fatalf("NextStatus with nothing waiting on a full disk: %v, %v", e, err)
	}
	recs := verifyChain(t, s)
	in := received(recs)
	for id := range refused {
		if in[id] {
			t.Fatalf("%s was refused but the journal received it", id)
		}
		if _, err := s.Message(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s was refused but is stored (%v)", id, err)
		}
	}
	t.Logf("disk full after %d accepted messages; %d refused; %+v", len(accepted), len(refused), d.Stats())

	// Space returns: writes resume without a restart.
	d.SetBudget(-1)
	if _, err := s.Accept(ctx, faultMsg("after", 100), faultPolicy); err != nil {
		t.Fatalf("after space returned: %v", err)
	}
	accepted["after"] = true
	l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, time.Now())
	if err != nil || l == nil {
		t.Fatalf("lease after space returned: %v", err)
	}
	if _, err := s.Ack(ctx, "FSSP01", l.Message.ID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	verifyChain(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = boltstore.Open(path, nil)
	if err != nil {
		t.Fatalf("reopening after the full disk: %v", err)
	}
	defer s.Close()
	in = received(verifyChain(t, s))
	for id := range accepted {
		if m, err := s.Message(ctx, id); err != nil || !in[id] || len(m.Envelope) == 0 {
			t.Fatalf("%s was accepted but is lost after the reopen (%v)", id, err)
		}
	}
	for id := range refused {
		if in[id] {
			t.Fatalf("%s was refused but is in the journal after the reopen", id)
		}
	}
}

// TestFailedFsyncKeepsJournalChained: a commit whose meta page reached the
// file but whose write or fsync reported an error. bbolt then shows that
// commit to every later transaction (see faultfs.TestFaultFailedCommitStaysVisible);
// the store must carry on from the journal head the file holds, not from
// the head it had before the commit, or the next commit writes records
// over the failed commit's and breaks the chain.
func TestFailedFsyncKeepsJournalChained(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mezhved.db")
	s, d := openFaulty(t, path, nil)
	for i := range 3 {
		if _, err := s.Accept(ctx, faultMsg(fmt.Sprint("a", i), 10), faultPolicy); err != nil {
			t.Fatal(err)
		}
	}
	d.FailNextCommit()
	_, err := s.Accept(ctx, faultMsg("ambiguous", 10), faultPolicy)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a failed commit: %v, want ErrUnavailable", err)
	}
	// The next writes: a single record, then a message of three records.
	if err := s.Reject(ctx, store.Rejection{Time: time.Now(), Fault: "MZ-1002"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, faultMsg("after", 10), faultPolicy); err != nil {
		t.Fatal(err)
	}
	recs := verifyChain(t, s)
	// The ambiguous message: not acknowledged to its sender, yet it may be
	// stored (bbolt kept it); if it is, it is whole: its records and its
	// delivery.
	if _, err := s.Message(ctx, "ambiguous"); err == nil {
		if !received(recs)["ambiguous"] {
			t.Fatal("the ambiguous message is stored without its journal record")
		}
		if st, err := s.Deliveries(ctx, "ambiguous"); err != nil || st["FSSP01"] != store.DeliveryQueued {
			t.Fatalf("the ambiguous message's delivery: %v %v", st, err)
		}
		// Its sender sends it again (it was refused): a duplicate, the
		// original answer, nothing stored twice.
		res, err := s.Accept(ctx, faultMsg("ambiguous", 10), faultPolicy)
		if err != nil || !res.Duplicate {
			t.Fatalf("sending the ambiguous message again: %+v %v", res, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := received(verifyChain(t, s))
	for _, id := range []string{"a0", "a1", "a2", "after"} {
		if !in[id] {
			t.Fatalf("%s lost", id)
		}
	}
}

// TestSlowFsyncCancelledCallers: commits stall (a slow fsync) while their
// callers' contexts end. A caller answered nil has its write durable (found
// after a reopen); a caller answered with its context's error had its write
// never started (not found). Nothing in between.
func TestSlowFsyncCancelledCallers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mezhved.db")
	// A short queue to the writer: some callers give up before their
	// write is taken.
	s, d := openFaulty(t, path, &boltstore.Options{MaxBatch: 4})
	const delay = 80 * time.Millisecond
	d.SetCommitDelay(delay)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var mu sync.Mutex
	ok, gaveUp := map[string]bool{}, map[string]bool{}
	var lateOK atomic.Int64 // answered nil after the caller's context had ended
	var slowest atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		timeouts := make([]time.Duration, 12)
		for i := range timeouts {
			timeouts[i] = time.Duration(rng.IntN(int(3 * delay)))
		}
		wg.Go(func() {
			for i, to := range timeouts {
				id := fmt.Sprintf("w%d-%d", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), to)
				start := time.Now()
				_, err := s.Accept(ctx, faultMsg(id, 200), faultPolicy)
				took := time.Since(start)
				done := ctx.Err() != nil
				cancel()
				if took > time.Duration(slowest.Load()) {
					slowest.Store(int64(took))
				}
				mu.Lock()
				switch {
				case err == nil:
					ok[id] = true
					if done {
						lateOK.Add(1)
					}
				case errors.Is(err, context.DeadlineExceeded):
					gaveUp[id] = true
				default:
					t.Errorf("%s: %v", id, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := received(verifyChain(t, s))
	for id := range ok {
		if !in[id] {
			t.Fatalf("%s was acknowledged but is lost", id)
		}
	}
	for id := range gaveUp {
		if in[id] {
			t.Fatalf("%s was answered with its context's error but was stored", id)
		}
	}
	if len(ok) == 0 {
		t.Fatal("no write succeeded")
	}
	t.Logf("%d durable, %d gave up before their write started, %d answered after their context ended (the commit was under way); slowest call %s; %+v",
		len(ok), len(gaveUp), lateOK.Load(), time.Duration(slowest.Load()), d.Stats())
	if time.Duration(slowest.Load()) < delay {
		t.Fatalf("no call took the commit delay: the fault was not injected")
	}
}

// TestCommitGap: after a commit of several operations (busy callers) a
// write that arrives alone waits for company at most CommitGap, not the
// whole CommitDelay; with the gap switched off it waits the delay. Each
// attempt stalls commits so that a burst of writes groups into one, then
// times a lone write; an attempt counts when the batch before the lone
// write's held more than one operation (the writer was busy).
func TestCommitGap(t *testing.T) {
	for _, c := range []struct {
		name       string
		delay, gap time.Duration
		waits      bool
	}{
		{"gap", time.Minute, 2 * time.Millisecond, false},
		{"no gap", 300 * time.Millisecond, -1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for attempt := range 20 {
				var mu sync.Mutex
				var sizes []int
				s, d := openFaulty(t, filepath.Join(t.TempDir(), "mezhved.db"), &boltstore.Options{CommitDelay: c.delay, CommitGap: c.gap,
					OnCommit: func(n int, _ time.Duration) {
						mu.Lock()
						sizes = append(sizes, n)
						mu.Unlock()
					}})
				d.SetCommitDelay(20 * time.Millisecond)
				var wg sync.WaitGroup
				for i := range 8 {
					wg.Go(func() {
						if _, err := s.Accept(context.Background(), faultMsg(fmt.Sprintf("burst-%d-%d", attempt, i), 10), faultPolicy); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
				d.SetCommitDelay(0)
				done := make(chan time.Duration, 1)
				go func() {
					start := time.Now()
					if _, err := s.Accept(context.Background(), faultMsg(fmt.Sprintf("lone-%d", attempt), 10), faultPolicy); err != nil {
						t.Error(err)
					}
					done <- time.Since(start)
				}()
				var took time.Duration
				select {
				case took = <-done:
				case <-time.After(30 * time.Second):
					t.Fatalf("a lone write after a busy commit has waited 30s (CommitDelay %s, CommitGap %s)", c.delay, c.gap)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if len(sizes) < 2 || sizes[len(sizes)-1] != 1 || sizes[len(sizes)-2] < 2 {
					continue // the burst did not end in a batch of several
				}
				if c.waits && took < c.delay {
					t.Fatalf("without a gap the lone write took %s, less than the delay %s", took, c.delay)
				}
				t.Logf("attempt %d: commits %v; the lone write took %s", attempt, sizes, took)
				return
			}
			t.Fatal("no burst of writes ended in a commit of several")
		})
	}
}
