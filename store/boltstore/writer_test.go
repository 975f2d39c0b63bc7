package boltstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mezhved/store"
	"mezhved/store/storetest"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "mezhved.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testMessage(id string) *store.Message {
	env := []byte("<envelope id=\"" + id + "\"/>")
	return &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ", Received: time.Now(), Digest: sha256.Sum256(env),
		Envelope: env, Recipients: []string{"FSSP01"}}
}

// TestRefusedOperationLeavesNothing: an operation that writes and then
// refuses gets its error and leaves no trace, while the operations batched
// with it are committed, journal records and all.
func TestRefusedOperationLeavesNothing(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	policy := store.Policy{Visibility: time.Minute, MaxAttempts: 3}
	accept := func(id string) *op {
		return &op{done: make(chan struct{}), run: func(w *wtx) error {
			return w.tx.Bucket(bMessages).Put([]byte(id+"-marker"), []byte("x"))
		}}
	}
	refuse := &op{done: make(chan struct{}), run: func(w *wtx) error {
		if err := w.tx.Bucket(bMessages).Put([]byte("refused-marker"), []byte("x")); err != nil {
			return err
		}
		if err := w.journal(store.Record{Time: time.Now(), Event: store.EventRejected, MessageID: "refused"}); err != nil {
			return err
		}
		return store.ErrInvalid
	}}
	seq, _, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, after := accept("before"), accept("after")
	// Run as the writer would, with the batch the test chose.
	s.commit([]*op{before, refuse, after})
	for _, o := range []*op{before, refuse, after} {
		select {
		case <-o.done:
		default:
			t.Fatal("an operation of the batch was not answered")
		}
	}
	if before.err != nil || after.err != nil || !errors.Is(refuse.err, store.ErrInvalid) {
		t.Fatalf("errors %v, %v, %v; want nil, ErrInvalid, nil", before.err, refuse.err, after.err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMessages)
		if b.Get([]byte("before-marker")) == nil || b.Get([]byte("after-marker")) == nil {
			t.Error("the batch's other operations were not committed")
		}
		if b.Get([]byte("refused-marker")) != nil {
			t.Error("the refused operation's write was committed")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if now, _, _ := s.Head(ctx); now != seq {
		t.Errorf("the journal head moved from %d to %d: the refused operation's record was committed", seq, now)
	}
	// The store goes on, its journal intact.
	if _, err := s.Accept(ctx, testMessage("m1"), policy); err != nil {
		t.Fatal(err)
	}
	storetest.CheckJournal(t, s)
}

// TestCloseWhileWriting: writes racing with Close end with ErrClosed or
// succeed; none panics.
func TestCloseWhileWriting(t *testing.T) {
	for round := range 20 {
		s, err := Open(filepath.Join(t.TempDir(), "mezhved.db"), &Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for {
					err := s.Reject(ctx, store.Rejection{Time: time.Now(), MessageID: "m", Sender: "COURT01", Fault: "MZ-2001"})
					if errors.Is(err, store.ErrClosed) {
						return
					}
					if err != nil {
						t.Errorf("round %d: %v", round, err)
						return
					}
				}
			})
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	}
}

// TestAcceptRefusesUnstorableTimes: times the store cannot keep (its keys
// are Unix nanoseconds) are refused, not stored wrapped round.
func TestAcceptRefusesUnstorableTimes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	policy := store.Policy{Visibility: time.Minute, MaxAttempts: 3}
	tests := []struct {
		name string
		set  func(m *store.Message)
		ok   bool
	}{
		{"end of life in 9999", func(m *store.Message) { m.EOL = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) }, false},
		{"end of life before 1970", func(m *store.Message) { m.EOL = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) }, false},
		{"due date in 2300", func(m *store.Message) { m.Due = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
		{"end of life in 2200", func(m *store.Message) { m.EOL = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(string(rune('a' + i)))
			tt.set(m)
			_, err := s.Accept(ctx, m, policy)
			if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, store.ErrInvalid)) {
				t.Fatalf("Accept: %v; want ok=%v (ErrInvalid otherwise)", err, tt.ok)
			}
		})
	}
}
