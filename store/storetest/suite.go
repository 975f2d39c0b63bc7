package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"mezhved/store"
)

// Factory opens a store in dir; opening the same dir again must find what
// was stored before (the suite closes the first store before that).
type Factory func(t testing.TB, dir string) store.Store

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

var policy = store.Policy{Visibility: time.Minute, MaxAttempts: 3}

// msg makes a message with a distinct envelope.
func msg(id, sender, typ string, k store.Kind, recipients ...string) *store.Message {
	env := []byte("<envelope id=\"" + id + "\" sender=\"" + sender + "\"/>")
	return &store.Message{ID: id, Kind: k, Sender: sender, Type: typ, Received: t0, Digest: sha256.Sum256(env), Envelope: env,
		Recipients: recipients, TransactionCode: "tx-" + id}
}

// Run runs the suite.
func Run(t *testing.T, open Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, reopen func() store.Store)
	}{
		{"AcceptLeaseAck", testAcceptLeaseAck},
		{"ArrivalOrder", testArrivalOrder},
		{"SelectorFilters", testSelector},
		{"Redelivery", testRedelivery},
		{"DeadLetter", testDeadLetter},
		{"EOL", testEOL},
		{"Idempotence", testIdempotence},
		{"QueueLimit", testQueueLimit},
		{"Broadcast", testBroadcast},
		{"Refused", testRefused},
		{"ResponsesSeparate", testResponses},
		{"LateAck", testLateAck},
		{"Reopen", testReopen},
		{"Concurrent", testConcurrent},
		{"Reject", testReject},
		{"Checkpoints", testCheckpoints},
		{"Index", testIndex},
		{"Certificates", testCertificates},
		{"Prune", testPrune},
		{"RedriveAndQueues", testRedriveAndQueues},
		{"Overdue", testOverdue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var mu sync.Mutex
			current := open(t, dir)
			reopen := func() store.Store {
				mu.Lock()
				defer mu.Unlock()
				if err := current.Close(); err != nil {
					t.Fatal(err)
				}
				current = open(t, dir)
				return current
			}
			t.Cleanup(func() {
				mu.Lock()
				defer mu.Unlock()
				CheckJournal(t, current)
				current.Close()
			})
			tc.fn(t, current, reopen)
		})
	}
}

// CheckJournal verifies the store's journal chain, from its base.
func CheckJournal(t testing.TB, s store.Store) {
	t.Helper()
	base, err := s.JournalBase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := store.NewChainVerifierAt(base.Seq+1, base.Hash)
	if err := s.Journal(context.Background(), 1, v.Check); err != nil {
		t.Fatalf("journal: %v", err)
	}
}

var ctx = context.Background()

func accept(t *testing.T, s store.Store, m *store.Message, p store.Policy) {
	t.Helper()
	if _, err := s.Accept(ctx, m, p); err != nil {
		t.Fatalf("Accept(%s): %v", m.ID, err)
	}
}

func lease(t *testing.T, s store.Store, who string, k store.Kind, at time.Time, types ...string) *store.Leased {
	t.Helper()
	l, err := s.Lease(ctx, who, k, store.Selector{Types: types}, at)
	if err != nil {
		t.Fatalf("Lease: %v", err)
	}
	return l
}

func wantLease(t *testing.T, l *store.Leased, id string, attempt int) {
	t.Helper()
	if l == nil {
		t.Fatalf("no lease, want %s", id)
	}
	if l.Message.ID != id || l.Attempt != attempt {
		t.Fatalf("leased %s attempt %d, want %s attempt %d", l.Message.ID, l.Attempt, id, attempt)
	}
}

func events(t *testing.T, s store.Store, consumer string, at time.Time) []string {
	t.Helper()
	var out []string
	for {
		e, err := s.NextStatus(ctx, consumer, at)
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			return out
		}
		out = append(out, e.MessageID+":"+e.Recipient+":"+e.Event)
	}
}

func testAcceptLeaseAck(t *testing.T, s store.Store, _ func() store.Store) {
	m := msg("m1", "COURT01", "writ", store.Request, "FSSP01")
	res, err := s.Accept(ctx, m, policy)
	if err != nil || res.Duplicate {
		t.Fatalf("Accept = %+v, %v", res, err)
	}
	l := lease(t, s, "FSSP01", store.Request, t0)
	wantLease(t, l, "m1", 1)
	if string(l.Message.Envelope) != string(m.Envelope) || l.Message.Sender != "COURT01" || !l.Until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("leased message = %+v", l)
	}
	if l := lease(t, s, "FSSP01", store.Request, t0); l != nil {
		t.Fatal("a leased message was leased again")
	}
	if l := lease(t, s, "COURT01", store.Request, t0); l != nil {
		t.Fatal("another participant leased it")
	}
	if _, err := s.Ack(ctx, "COURT01", "m1", true, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack by another participant: %v", err)
	}
	if _, err := s.Ack(ctx, "FSSP01", "m1", true, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ack(ctx, "FSSP01", "m1", true, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second ack: %v", err)
	}
	if _, err := s.Ack(ctx, "FSSP01", "nope", true, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack of an unknown message: %v", err)
	}
	if got := events(t, s, "COURT01", t0); fmt.Sprint(got) != "[m1:FSSP01:acked]" {
		t.Fatalf("status events = %v", got)
	}
	stored, err := s.Message(ctx, "m1")
	if err != nil || string(stored.Envelope) != string(m.Envelope) || stored.Digest != m.Digest {
		t.Fatalf("Message = %+v, %v", stored, err)
	}
}

func testArrivalOrder(t *testing.T, s store.Store, _ func() store.Store) {
	for _, id := range []string{"a", "b", "c"} {
		accept(t, s, msg(id, "COURT01", "writ", store.Request, "FSSP01"), policy)
	}
	accept(t, s, msg("d", "COURT01", "vehicle", store.Request, "FSSP01"), policy)
	for _, id := range []string{"a", "b", "c", "d"} {
		wantLease(t, lease(t, s, "FSSP01", store.Request, t0), id, 1)
	}
}

func testSelector(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("w", "COURT01", "writ", store.Request, "FSSP01"), policy)
	accept(t, s, msg("v", "GIBDD01", "vehicle", store.Request, "FSSP01"), policy)
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0, "vehicle"), "v", 1)
	if l := lease(t, s, "FSSP01", store.Request, t0, "vehicle"); l != nil {
		t.Fatal("the selector let another type through")
	}
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0, "vehicle", "writ"), "w", 1)
}

func testRedelivery(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("m", "COURT01", "writ", store.Request, "FSSP01"), policy)
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0), "m", 1)
	if r, err := s.Sweep(ctx, t0.Add(59*time.Second)); err != nil || r.Redelivered != 0 {
		t.Fatalf("early sweep = %+v, %v", r, err)
	}
	if r, err := s.Sweep(ctx, t0.Add(time.Minute)); err != nil || r.Redelivered != 1 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0.Add(61*time.Second)), "m", 2)
}

func testDeadLetter(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("m", "COURT01", "writ", store.Request, "FSSP01"), store.Policy{Visibility: time.Second, MaxAttempts: 2})
	at := t0
	for attempt := 1; attempt <= 2; attempt++ {
		wantLease(t, lease(t, s, "FSSP01", store.Request, at), "m", attempt)
		at = at.Add(time.Second)
		if _, err := s.Sweep(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	if l := lease(t, s, "FSSP01", store.Request, at); l != nil {
		t.Fatal("a dead letter was delivered")
	}
	if got := events(t, s, "COURT01", at); fmt.Sprint(got) != "[m:FSSP01:dead-lettered]" {
		t.Fatalf("status events = %v", got)
	}
	if st, _ := s.Stats(ctx, "FSSP01"); st[0].Pending != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func testEOL(t *testing.T, s store.Store, _ func() store.Store) {
	queued := msg("q", "COURT01", "writ", store.Request, "FSSP01")
	queued.EOL = t0.Add(time.Hour)
	leased := msg("l", "COURT01", "writ", store.Request, "GIBDD01")
	leased.EOL = t0.Add(time.Hour)
	later := msg("z", "COURT01", "writ", store.Request, "FSSP01")
	later.EOL = t0.Add(2 * time.Hour)
	accept(t, s, queued, policy)
	accept(t, s, leased, policy)
	accept(t, s, later, policy)
	wantLease(t, lease(t, s, "GIBDD01", store.Request, t0), "l", 1)
	r, err := s.Sweep(ctx, t0.Add(time.Hour))
	if err != nil || r.Expired != 2 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	got := events(t, s, "COURT01", t0.Add(time.Hour))
	sort.Strings(got)
	if fmt.Sprint(got) != "[l:GIBDD01:expired q:FSSP01:expired]" {
		t.Fatalf("status events = %v", got)
	}
	// A message whose EOL passes before any sweep is not delivered either.
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0.Add(90*time.Minute)), "z", 1)
	past := msg("p", "COURT01", "writ", store.Request, "FSSP01")
	past.EOL = t0.Add(3 * time.Hour)
	accept(t, s, past, policy)
	if l := lease(t, s, "FSSP01", store.Request, t0.Add(4*time.Hour)); l != nil {
		t.Fatal("a message past its EOL was delivered")
	}
}

func testIdempotence(t *testing.T, s store.Store, _ func() store.Store) {
	m := msg("m", "COURT01", "writ", store.Request, "FSSP01")
	accept(t, s, m, policy)
	again := msg("m", "COURT01", "writ", store.Request, "FSSP01")
	again.Received = t0.Add(time.Minute)
	res, err := s.Accept(ctx, again, policy)
	if err != nil || !res.Duplicate || !res.Message.Received.Equal(t0) {
		t.Fatalf("resend = %+v, %v", res, err)
	}
	other := msg("m", "COURT01", "writ", store.Request, "FSSP01")
	other.Envelope = []byte("<other/>")
	other.Digest = sha256.Sum256(other.Envelope)
	if _, err := s.Accept(ctx, other, policy); !errors.Is(err, store.ErrAlreadySent) {
		t.Fatalf("other content: %v", err)
	}
	if _, err := s.Accept(ctx, msg("m", "GIBDD01", "writ", store.Request, "FSSP01"), policy); !errors.Is(err, store.ErrAlreadySent) {
		t.Fatalf("other sender: %v", err)
	}
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0), "m", 1)
	if l := lease(t, s, "FSSP01", store.Request, t0); l != nil {
		t.Fatal("a resend was queued twice")
	}
}

func testQueueLimit(t *testing.T, s store.Store, _ func() store.Store) {
	p := policy
	p.QueueLimit = 1
	accept(t, s, msg("a", "COURT01", "writ", store.Request, "FSSP01"), p)
	_, err := s.Accept(ctx, msg("b", "COURT01", "writ", store.Request, "GIBDD01", "FSSP01"), p)
	var qf *store.QueueFullError
	if !errors.As(err, &qf) || qf.Queue != "FSSP01:requests" {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.Message(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused message was stored: %v", err)
	}
	if l := lease(t, s, "GIBDD01", store.Request, t0); l != nil {
		t.Fatal("a refused message was queued for another recipient")
	}
}

func testBroadcast(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("b", "FSSP01", "bank-account-query", store.Request, "BANK1", "BANK2"), policy)
	l1 := lease(t, s, "BANK1", store.Request, t0)
	l2 := lease(t, s, "BANK2", store.Request, t0)
	wantLease(t, l1, "b", 1)
	wantLease(t, l2, "b", 1)
	if _, err := s.Ack(ctx, "BANK1", "b", true, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l := lease(t, s, "BANK1", store.Request, t0.Add(time.Minute)); l != nil {
		t.Fatal("an acknowledged delivery came back")
	}
	wantLease(t, lease(t, s, "BANK2", store.Request, t0.Add(time.Minute)), "b", 2)
	if got := events(t, s, "FSSP01", t0); fmt.Sprint(got) != "[b:BANK1:acked]" {
		t.Fatalf("status events = %v", got)
	}
}

func testRefused(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("m", "COURT01", "writ", store.Request, "FSSP01"), policy)
	lease(t, s, "FSSP01", store.Request, t0)
	if _, err := s.Ack(ctx, "FSSP01", "m", false, t0); err != nil {
		t.Fatal(err)
	}
	if got := events(t, s, "COURT01", t0); fmt.Sprint(got) != "[m:FSSP01:refused]" {
		t.Fatalf("status events = %v", got)
	}
	if _, err := s.Sweep(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := lease(t, s, "FSSP01", store.Request, t0.Add(time.Hour)); l != nil {
		t.Fatal("a refused message came back")
	}
}

func testResponses(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("q", "COURT01", "writ", store.Request, "FSSP01"), policy)
	r := msg("r", "FSSP01", "writ-answer", store.Response, "COURT01")
	r.RequestID = "q"
	accept(t, s, r, policy)
	if l := lease(t, s, "COURT01", store.Request, t0); l != nil {
		t.Fatal("a response in a request queue")
	}
	l := lease(t, s, "COURT01", store.Response, t0)
	wantLease(t, l, "r", 1)
	if l.Message.RequestID != "q" || l.Message.Kind != store.Response {
		t.Fatalf("response = %+v", l.Message)
	}
	st, err := s.Stats(ctx, "COURT01")
	if err != nil || len(st) != 2 || st[0].Pending != 0 || st[1].Pending != 1 || st[1].Queue != "COURT01:responses" {
		t.Fatalf("stats = %+v, %v", st, err)
	}
}

// testLateAck: an acknowledgement after the lease ran out (and the message
// was queued again) still counts.
func testLateAck(t *testing.T, s store.Store, _ func() store.Store) {
	accept(t, s, msg("m", "COURT01", "writ", store.Request, "FSSP01"), policy)
	if _, err := s.Ack(ctx, "FSSP01", "m", true, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack before any delivery: %v", err)
	}
	lease(t, s, "FSSP01", store.Request, t0)
	if _, err := s.Sweep(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ack(ctx, "FSSP01", "m", true, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := lease(t, s, "FSSP01", store.Request, t0.Add(time.Hour)); l != nil {
		t.Fatal("an acknowledged message was delivered again")
	}
}

func testReopen(t *testing.T, s store.Store, reopen func() store.Store) {
	accept(t, s, msg("a", "COURT01", "writ", store.Request, "FSSP01"), policy)
	accept(t, s, msg("b", "COURT01", "writ", store.Request, "FSSP01"), policy)
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0), "a", 1)
	s = reopen()
	// The queued one is still queued; the leased one comes back after its
	// lease.
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0), "b", 1)
	if _, err := s.Sweep(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantLease(t, lease(t, s, "FSSP01", store.Request, t0.Add(time.Minute)), "a", 2)
	accept(t, s, msg("c", "COURT01", "writ", store.Request, "FSSP01"), policy)
	CheckJournal(t, s)
}

func testConcurrent(t *testing.T, s store.Store, _ func() store.Store) {
	const senders, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				_, err := s.Accept(ctx, msg(fmt.Sprintf("m-%d-%d", g, i), "COURT01", "writ", store.Request, "FSSP01"), policy)
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for {
		l := lease(t, s, "FSSP01", store.Request, t0)
		if l == nil {
			break
		}
		if seen[l.Message.ID] {
			t.Fatalf("%s delivered twice", l.Message.ID)
		}
		seen[l.Message.ID] = true
	}
	if len(seen) != senders*each {
		t.Fatalf("%d delivered of %d", len(seen), senders*each)
	}
}

func testReject(t *testing.T, s store.Store, _ func() store.Store) {
	if err := s.Reject(ctx, store.Rejection{Time: t0, MessageID: "x", Sender: "COURT01", Fault: "MZ-2001"}); err != nil {
		t.Fatal(err)
	}
	var last store.Record
	if err := s.Journal(ctx, 1, func(r store.Record) error { last = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Event != store.EventRejected || last.Detail != "MZ-2001" || last.MessageID != "x" {
		t.Fatalf("last record = %+v", last)
	}
}

// testCheckpoints: a checkpoint must name a record and its hash; checkpoints
// come back in order and survive reopening.
func testCheckpoints(t *testing.T, s store.Store, reopen func() store.Store) {
	accept(t, s, msg("a", "COURT01", "writ", store.Request, "FSSP01"), policy)
	seq1, hash1, err := s.Head(ctx)
	if err != nil || seq1 == 0 {
		t.Fatalf("head %d %s %v", seq1, hash1, err)
	}
	accept(t, s, msg("b", "COURT01", "writ", store.Request, "FSSP01"), policy)
	seq2, hash2, _ := s.Head(ctx)
	if seq2 <= seq1 || hash2 == hash1 {
		t.Fatalf("head did not move: %d %s", seq2, hash2)
	}
	var last store.Record
	if err := s.Journal(ctx, seq2, func(r store.Record) error { last = r; return nil }); err != nil || last.Hash != hash2 {
		t.Fatalf("head hash %s, last record %+v, %v", hash2, last, err)
	}
	for _, bad := range []store.Checkpoint{{Seq: seq1, Hash: hash2}, {Seq: seq2 + 1, Hash: hash2}} {
		if err := s.AddCheckpoint(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("checkpoint %d/%s: %v, want ErrInvalid", bad.Seq, bad.Hash, err)
		}
	}
	// A refused checkpoint must not have failed other writes.
	accept(t, s, msg("c", "COURT01", "writ", store.Request, "FSSP01"), policy)
	for _, c := range []store.Checkpoint{{Seq: seq2, Hash: hash2, Time: t0, Method: "m", Signature: []byte{2}}, {Seq: seq1, Hash: hash1, Time: t0, Method: "m", Signature: []byte{1}}} {
		if err := s.AddCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s = reopen()
	var got []uint64
	if err := s.Checkpoints(ctx, func(c store.Checkpoint) error { got = append(got, c.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != seq1 || got[1] != seq2 {
		t.Fatalf("checkpoints %v, want [%d %d]", got, seq1, seq2)
	}
}

// testIndex: every index returns exactly the records a full scan finds for
// the value, in order.
func testIndex(t *testing.T, s store.Store, reopen func() store.Store) {
	q := msg("q", "COURT01", "writ", store.Request, "FSSP01", "GIBDD01")
	q.Proceeding = "12345/24/77001-ИП"
	accept(t, s, q, policy)
	lease(t, s, "FSSP01", store.Request, t0)
	if _, err := s.Ack(ctx, "FSSP01", "q", true, t0); err != nil {
		t.Fatal(err)
	}
	r := msg("r", "FSSP01", "writ-answer", store.Response, "COURT01")
	r.RequestID, r.ReferenceID, r.TransactionCode = "q", "q", q.TransactionCode
	accept(t, s, r, policy)
	accept(t, s, msg("other", "FNS01", "writ", store.Request, "FSSP01"), policy)
	if err := s.Reject(ctx, store.Rejection{Time: t0, MessageID: "bad", Sender: "COURT01", Fault: "MZ-2001"}); err != nil {
		t.Fatal(err)
	}
	var all []store.Record
	if err := s.Journal(ctx, 1, func(r store.Record) error { all = append(all, r); return nil }); err != nil {
		t.Fatal(err)
	}
	check := func(s store.Store) {
		for _, c := range []struct {
			field store.IndexField
			value string
		}{
			{store.ByMessage, "q"}, {store.ByMessage, "r"}, {store.ByMessage, "bad"}, {store.ByMessage, "nothing"},
			{store.ByReference, "q"}, {store.ByReference, "r"},
			{store.ByTransaction, q.TransactionCode}, {store.ByTransaction, "tx-other"},
			{store.ByProceeding, q.Proceeding},
			{store.ByParticipant, "COURT01"}, {store.ByParticipant, "GIBDD01"}, {store.ByParticipant, "FSSP"},
		} {
			var want []uint64
			for _, r := range all {
				for _, fv := range r.IndexValues() {
					if fv[0] == string(c.field) && fv[1] == c.value {
						want = append(want, r.Seq)
						break
					}
				}
			}
			var got []uint64
			if err := s.JournalBy(ctx, c.field, c.value, func(r store.Record) error { got = append(got, r.Seq); return nil }); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("index %c %q: %v, want %v", c.field, c.value, got, want)
			}
		}
	}
	check(s)
	check(reopen())
}

// testCertificates: remembered certificates come back once each.
func testCertificates(t *testing.T, s store.Store, reopen func() store.Store) {
	a, b := []byte("certificate a"), []byte("certificate b")
	if err := s.AddCertificates(ctx, store.RoleTrust, [][]byte{a, b}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCertificates(ctx, store.RoleTrust, [][]byte{a}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCertificates(ctx, store.RoleHub, [][]byte{b}, t0); err != nil {
		t.Fatal(err)
	}
	s = reopen()
	if hub, err := s.Certificates(ctx, store.RoleHub); err != nil || len(hub) != 1 || string(hub[0]) != string(b) {
		t.Fatalf("hub certificates %q, %v", hub, err)
	}
	got, err := s.Certificates(ctx, store.RoleTrust)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return string(got[i]) < string(got[j]) })
	if len(got) != 2 || string(got[0]) != string(a) || string(got[1]) != string(b) {
		t.Fatalf("certificates %q", got)
	}
}

// testPrune: a retention cut removes finished messages and the records up
// to a checkpoint; the journal goes on from there, and a cut that would
// remove a message still under way is refused whole (its index included);
// sweeps after a cut are not troubled by what it removed.
func testPrune(t *testing.T, s store.Store, reopen func() store.Store) {
	for _, id := range []string{"a", "b"} {
		m := msg(id, "COURT01", "writ", store.Request, "FSSP01")
		if id == "b" {
			m.EOL = t0.Add(time.Hour)
		}
		accept(t, s, m, policy)
		lease(t, s, "FSSP01", store.Request, t0)
		if _, err := s.Ack(ctx, "FSSP01", id, true, t0); err != nil {
			t.Fatal(err)
		}
	}
	cut, cutHash, _ := s.Head(ctx)
	if err := s.AddCheckpoint(ctx, store.Checkpoint{Seq: cut, Hash: cutHash, Time: t0}); err != nil {
		t.Fatal(err)
	}
	accept(t, s, msg("c", "COURT01", "writ", store.Request, "FSSP01"), policy)
	head, headHash, _ := s.Head(ctx)
	if err := s.AddCheckpoint(ctx, store.Checkpoint{Seq: head, Hash: headHash, Time: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, head, "x"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a cut over a queued message: %v", err)
	}
	if _, err := s.Prune(ctx, cut-1, "x"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a cut at a record without a checkpoint: %v", err)
	}
	if _, err := s.Message(ctx, "a"); err != nil {
		t.Fatalf("a refused cut removed something: %v", err)
	}
	indexed := 0
	s.JournalBy(ctx, store.ByMessage, "a", func(store.Record) error { indexed++; return nil })
	if indexed != 4 {
		t.Fatalf("after a refused cut the index finds %d records of a message, want its 4", indexed)
	}
	res, err := s.Prune(ctx, cut, "archive-digest")
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != int(cut) || res.Messages != 2 {
		t.Fatalf("pruned %+v, want %d records and 2 messages", res, cut)
	}
	s = reopen()
	base, err := s.JournalBase(ctx)
	if err != nil || base.Seq != cut || base.Hash != cutHash || base.Archive != "archive-digest" {
		t.Fatalf("base %+v, %v", base, err)
	}
	if _, err := s.Message(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a pruned message: %v", err)
	}
	if _, err := s.Message(ctx, "c"); err != nil {
		t.Fatalf("a kept message: %v", err)
	}
	var first *store.Record
	if err := s.Journal(ctx, 1, func(r store.Record) error {
		if first == nil {
			first = &r
		}
		return nil
	}); err != nil || first == nil || first.Seq != cut+1 || first.Prev != cutHash {
		t.Fatalf("the journal after the cut starts with %+v, %v", first, err)
	}
	n := 0
	s.JournalBy(ctx, store.ByMessage, "a", func(store.Record) error { n++; return nil })
	if n != 0 {
		t.Fatalf("the index still finds %d records of a pruned message", n)
	}
	// The journal goes on, chained to the cut.
	lease(t, s, "FSSP01", store.Request, t0)
	if _, err := s.Prune(ctx, cut, "x"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("cutting again at the base: %v", err)
	}
	// Past the pruned message's end of life and the lease's end.
	swept, err := s.Sweep(ctx, t0.Add(2*time.Hour))
	if err != nil || swept.Redelivered != 1 || swept.Expired != 0 {
		t.Fatalf("a sweep after the cut: %+v, %v; want the lapsed lease redelivered", swept, err)
	}
}

// testRedriveAndQueues: a dead letter queued again by an operator is
// delivered with its attempts counted from one; only dead letters can be;
// queues report their depth and their oldest waiting message.
func testRedriveAndQueues(t *testing.T, s store.Store, reopen func() store.Store) {
	m := msg("m", "COURT01", "writ", store.Request, "FSSP01")
	accept(t, s, m, store.Policy{Visibility: time.Minute, MaxAttempts: 1})
	later := msg("n", "COURT01", "writ", store.Request, "FSSP01")
	later.Received = t0.Add(time.Minute)
	accept(t, s, later, policy)
	qs, err := s.Queues(ctx)
	if err != nil || len(qs) != 1 || qs[0].Queue != "FSSP01:requests" || qs[0].Pending != 2 || !qs[0].Oldest.Equal(t0) {
		t.Fatalf("queues %+v, %v", qs, err)
	}
	if err := s.Redrive(ctx, "m", "FSSP01", "operator", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("redriving a queued message: %v", err)
	}
	lease(t, s, "FSSP01", store.Request, t0)
	if _, err := s.Sweep(ctx, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Deliveries(ctx, "m"); d["FSSP01"] != store.DeliveryDead {
		t.Fatalf("after one lease of one attempt: %v", d)
	}
	s = reopen()
	if err := s.Redrive(ctx, "m", "FSSP01", "operator ops-1", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Deliveries(ctx, "m"); d["FSSP01"] != store.DeliveryQueued {
		t.Fatalf("after the redrive: %v", d)
	}
	// The redriven message goes to the back of the queue, after n.
	l := lease(t, s, "FSSP01", store.Request, t0.Add(3*time.Minute))
	wantLease(t, l, "n", 1)
	l = lease(t, s, "FSSP01", store.Request, t0.Add(3*time.Minute))
	wantLease(t, l, "m", 1)
	var redriven bool
	s.JournalBy(ctx, store.ByMessage, "m", func(r store.Record) error {
		if r.Event == store.EventRedriven && strings.Contains(r.Detail, "operator ops-1") {
			redriven = true
		}
		return nil
	})
	if !redriven {
		t.Fatal("the redrive is not in the journal with who did it")
	}
}

// testOverdue: a request's due date passes at the recipient that has not
// answered: the sender gets a status event, the journal a record, and it is
// listed as overdue until the answer comes; the recipient that answered in
// time, and one that refused, are not overdue.
func testOverdue(t *testing.T, s store.Store, reopen func() store.Store) {
	q := msg("q", "FSSP01", "bank-account-query", store.Request, "BANK1", "BANK2", "BANK3")
	q.Due = t0.Add(time.Hour)
	accept(t, s, q, policy)
	answer := func(id, from string, at time.Time) {
		r := msg(id, from, "bank-account-answer", store.Response, "FSSP01")
		r.RequestID, r.Received = "q", at
		accept(t, s, r, policy)
	}
	answer("r1", "BANK1", t0.Add(time.Minute))
	lease(t, s, "BANK3", store.Request, t0)
	if _, err := s.Ack(ctx, "BANK3", "q", false, t0); err != nil {
		t.Fatal(err)
	}
	// The refusal's status event.
	for {
		e, _ := s.NextStatus(ctx, "FSSP01", t0)
		if e == nil {
			break
		}
	}
	res, err := s.Sweep(ctx, t0.Add(59*time.Minute))
	if err != nil || res.Overdue != 0 {
		t.Fatalf("before the due date: %+v %v", res, err)
	}
	s = reopen()
	if res, err = s.Sweep(ctx, t0.Add(time.Hour)); err != nil || res.Overdue != 1 {
		t.Fatalf("at the due date: %+v %v", res, err)
	}
	over, err := s.Overdue(ctx)
	if err != nil || len(over) != 1 || over[0].MessageID != "q" || over[0].Recipient != "BANK2" || !over[0].Due.Equal(q.Due) {
		t.Fatalf("overdue %+v, %v", over, err)
	}
	e, err := s.NextStatus(ctx, "FSSP01", t0.Add(time.Hour))
	if err != nil || e == nil || e.Event != store.EventOverdue || e.Recipient != "BANK2" {
		t.Fatalf("status %+v, %v", e, err)
	}
	var journaled bool
	s.JournalBy(ctx, store.ByMessage, "q", func(r store.Record) error {
		journaled = journaled || r.Event == store.EventOverdue && r.Recipient == "BANK2"
		return nil
	})
	if !journaled {
		t.Fatal("no overdue record in the journal")
	}
	if res, _ = s.Sweep(ctx, t0.Add(2*time.Hour)); res.Overdue != 0 {
		t.Fatalf("overdue twice: %+v", res)
	}
	answer("r2", "BANK2", t0.Add(3*time.Hour))
	if over, _ = s.Overdue(ctx); len(over) != 0 {
		t.Fatalf("still overdue after the answer: %+v", over)
	}
}
