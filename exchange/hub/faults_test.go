package hub_test

// Fault injection at the hub: a full disk, slow commits, clients that go
// away mid-call, and a clock that jumps. Each test checks the delivery
// invariants: every message acknowledged to its sender is delivered; a
// refused one is not stored (or, when it was, it is delivered like any
// other); nothing is delivered after its Ack; the journal verifies.

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/prometheus/client_golang/prometheus"

	"mezhved/adapters"
	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/exchange/hub"
	"mezhved/exchange/metrics"
	"mezhved/exchange/soap"
	"mezhved/internal/faultfs"
	"mezhved/internal/hubtest"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// fhClock is real time shifted by an offset that a test changes.
type fhClock struct{ off atomic.Int64 }

func (c *fhClock) Now() time.Time       { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *fhClock) Jump(d time.Duration) { c.off.Add(int64(d)) }

// fhSweeps counts the hub's sweeps (and passes everything on).
type fhSweeps struct {
	hub.Observer
	n atomic.Int64
}

func (o *fhSweeps) Swept(r store.SweepResult) {
	o.Observer.Swept(r)
	o.n.Add(1)
}

type faultHubOptions struct {
	visibility time.Duration
	sweep      time.Duration // default 20ms
	now        func() time.Time
	observer   hub.Observer
}

// faultHub is a hub in the test process whose store writes through a
// faultfs.Disk (a new one at each start: a restart's disk has no faults).
type faultHub struct {
	*hubtest.Hub
	t    *testing.T
	disk *faultfs.Disk
}

func startFaultHub(t *testing.T, o faultHubOptions) *faultHub {
	t.Helper()
	h := &faultHub{t: t}
	h.Hub = hubtest.Start(t, hubtest.Options{Visibility: o.visibility, MaxAttempts: 100, LongPoll: -1, SweepInterval: o.sweep,
		Now: o.now, Observer: o.observer, CheckpointInterval: time.Second,
		Opened: func(st *boltstore.Store) error {
			h.disk = &faultfs.Disk{}
			return faultfs.Attach(st, h.disk)
		}})
	return h
}

// client is a participant's 1.1 client; one connection per call, so that
// goroutine counts are not muddied by idle connections.
func (h *faultHub) client(mnemonic string) *adapters.Client {
	return &adapters.Client{URL: h.URL + string(soap.V11), Version: soap.V11, Signer: h.Signer(mnemonic),
		Verifier: dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{h.PKI.CA.Certificate}), nil),
		HTTP:     &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
}

// verify runs the auditor's verification (chain, checkpoints, every
// envelope's digest and signature) on the running hub's store.
func (h *faultHub) verify() *audit.Summary {
	h.t.Helper()
	sum, err := audit.Verify(context.Background(), h.Store, audit.Options{Signatures: true})
	if err != nil {
		h.t.Fatalf("the journal does not verify: %v", err)
	}
	return sum
}

// journaled checks that each message's story is in the journal: received,
// queued, leased and acknowledged, and never leased after its
// acknowledgement (audit.Verify checks what the journal says; this checks
// that it says everything).
func (h *faultHub) journaled(ids map[string]bool) {
	h.t.Helper()
	events := map[string][]string{}
	if err := h.Store.Journal(context.Background(), 1, func(r store.Record) error {
		if ids[r.MessageID] {
			events[r.MessageID] = append(events[r.MessageID], r.Event)
		}
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	for id := range ids {
		ev := events[id]
		if len(ev) < 4 || ev[0] != store.EventReceived || ev[1] != store.EventQueued || !slices.Contains(ev, store.EventLeased) {
			h.t.Fatalf("the journal's account of %s is incomplete: %v", id, ev)
		}
		i := slices.Index(ev, store.EventAcked)
		if i < 0 {
			h.t.Fatalf("the journal does not record the acknowledgement of %s: %v", id, ev)
		}
		if slices.Contains(ev[i:], store.EventLeased) {
			h.t.Fatalf("the journal records a lease of %s after its acknowledgement: %v", id, ev)
		}
	}
}

var fhWrit = sync.OnceValues(func() ([]byte, error) { return os.ReadFile("../../schemas/payloads/Writ.xml") })

func fhPayload(t testing.TB) *etree.Element {
	t.Helper()
	data, err := fhWrit()
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

func fhID(t testing.TB) string {
	id, err := adapters.NewMessageID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// fhBody is a signed SendRequest of a writ, as bytes: a client that sends
// the same bytes again gets the original answer (idempotent send).
func fhBody(t testing.TB, s *dsig.Signer, id string, eol time.Time) []byte {
	t.Helper()
	doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, Content: fhPayload(t), EOL: eol}, nil)
	if _, err := soap.SignCall(doc.Root(), s); err != nil {
		t.Fatal(err)
	}
	body, err := soap.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func fhSend(t testing.TB, c *adapters.Client) string {
	t.Helper()
	id := fhID(t)
	if _, err := c.SendRequest(context.Background(), &soap.RequestData{MessageID: id, Content: fhPayload(t)}, nil); err != nil {
		t.Fatalf("SendRequest: %v", err)
	}
	return id
}

// fhFailure checks that err is the hub's retryable failure (MZ-9001
// SMEVFailure, retry class "retry").
func fhFailure(t testing.TB, what string, err error) {
	t.Helper()
	var f *soap.Fault
	if !errors.As(err, &f) {
		t.Fatalf("%s: %v, want the SMEVFailure fault", what, err)
	}
	if f.Name != "SMEVFailure" || f.Code != "MZ-9001" || f.Retry != "retry" {
		t.Fatalf("%s: fault %s %s (%s) %q, want SMEVFailure MZ-9001 (retry)", what, f.Name, f.Code, f.Retry, f.Description)
	}
}

// fhDrain takes and acknowledges everything in the caller's request queue
// and returns what it got; a message delivered twice fails the test (the
// queue is drained only when no lease is outstanding).
func fhDrain(t testing.TB, c *adapters.Client) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for {
		r, err := c.GetRequest(context.Background(), "", "")
		if err != nil {
			t.Fatalf("GetRequest: %v", err)
		}
		if r.Request == nil {
			return got
		}
		id := r.Request.Data.MessageID
		if got[id] {
			t.Fatalf("%s delivered twice", id)
		}
		got[id] = true
		if err := c.Ack(context.Background(), id, true); err != nil {
			t.Fatalf("Ack %s: %v", id, err)
		}
	}
}

func fhPending(t testing.TB, c *adapters.Client) int64 {
	t.Helper()
	r, err := c.Stats(context.Background())
	if err != nil {
		t.Fatalf("GetIncomingQueueStatistics: %v", err)
	}
	var n int64
	for _, q := range r.Stats {
		n += q.Pending
	}
	return n
}

func fhEventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sameSet(a, b map[string]bool) (missing, extra []string) {
	for k := range a {
		if !b[k] {
			missing = append(missing, k)
		}
	}
	for k := range b {
		if !a[k] {
			extra = append(extra, k)
		}
	}
	return missing, extra
}

// TestDiskFullHub: the disk fills up (ENOSPC from the store's file layer).
// Every call that must write is refused with SMEVFailure MZ-9001 (retry
// class "retry"), none is acknowledged, reads still work, nothing panics;
// when space returns the hub goes on without a restart; after a restart
// exactly the acknowledged messages are delivered, and the journal
// verifies.
func TestDiskFullHub(t *testing.T) {
	h := startFaultHub(t, faultHubOptions{visibility: time.Minute})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	ctx := context.Background()
	accepted := map[string]bool{}
	for range 5 {
		accepted[fhSend(t, court)] = true
	}
	r, err := fssp.GetRequest(ctx, "", "")
	if err != nil || r.Request == nil {
		t.Fatalf("GetRequest: %v", err)
	}
	leased := r.Request.Data.MessageID

	// The disk is full: every write refused.
	h.disk.SetFull(true)
	refusedID := fhID(t)
	_, err = court.SendRequest(ctx, &soap.RequestData{MessageID: refusedID, Content: fhPayload(t)}, nil)
	fhFailure(t, "SendRequest on a full disk", err)
	_, err = fssp.GetRequest(ctx, "", "")
	fhFailure(t, "GetRequest (a lease is a write) on a full disk", err)
	fhFailure(t, "Ack on a full disk", fssp.Ack(ctx, leased, true))
	// A GetStatus with no event waiting writes nothing, so it answers.
	if st, err := court.GetStatus(ctx); err != nil || st.Status != nil {
		t.Fatalf("GetStatus with nothing waiting, on a full disk: %+v, %v", st, err)
	}
	// Reads work.
	if n := fhPending(t, fssp); n != 5 {
		t.Fatalf("pending on a full disk = %d, want 5", n)
	}
	// Concurrent senders: none may be acknowledged.
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for range 4 {
		wg.Go(func() {
			for range 5 {
				_, err := court.SendRequest(ctx, &soap.RequestData{Content: fhPayload(t)}, nil)
				var f *soap.Fault
				if !errors.As(err, &f) || f.Code != "MZ-9001" {
					wrong.Add(1)
					t.Errorf("SendRequest on a full disk: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if wrong.Load() > 0 {
		t.FailNow()
	}
	if _, err := h.Store.Message(ctx, refusedID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused message is stored (%v)", err)
	}

	// Space returns: no restart needed.
	h.disk.SetFull(false)
	if err := fssp.Ack(ctx, leased, true); err != nil {
		t.Fatalf("Ack after space returned: %v", err)
	}
	delete(accepted, leased)
	if _, err := court.SendRequest(ctx, &soap.RequestData{MessageID: refusedID, Content: fhPayload(t)}, nil); err != nil {
		t.Fatalf("sending the refused message again: %v", err)
	}
	accepted[refusedID] = true
	h.verify()

	// The disk fills part-way through commits under concurrent senders:
	// each answer is an acknowledgement (then durable) or MZ-9001 (then
	// not stored).
	h.disk.SetBudget(1 << 20)
	var mu sync.Mutex
	refused := map[string]bool{}
	for range 6 {
		wg.Go(func() {
			for fails := 0; fails < 6; {
				id := fhID(t)
				_, err := court.SendRequest(ctx, &soap.RequestData{MessageID: id, Content: fhPayload(t)}, nil)
				mu.Lock()
				if err == nil {
					accepted[id] = true
				} else {
					refused[id] = true
					fails++
				}
				mu.Unlock()
				if err != nil {
					var f *soap.Fault
					if !errors.As(err, &f) || f.Code != "MZ-9001" {
						t.Errorf("SendRequest as the disk fills: %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	h.disk.SetBudget(-1)
	t.Logf("the disk filled: %d messages acknowledged in all, %d refused; %+v", len(accepted), len(refused), h.disk.Stats())

	h.Restart()
	fssp = h.client("FSSP01")
	got := fhDrain(t, fssp)
	missing, extra := sameSet(accepted, got)
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged messages lost after the full disk: %v", len(missing), missing)
	}
	if len(extra) > 0 {
		t.Fatalf("%d messages delivered that were refused or never sent: %v", len(extra), extra)
	}
	h.journaled(got)
	sum := h.verify()
	t.Logf("after a restart: %d delivered; journal: %d records, %d envelopes", len(got), sum.Records, sum.Envelopes)
}

// TestFailedFsyncHub: the commit of a SendRequest reaches the file but its
// fsync fails. The sender is refused (MZ-9001) although bbolt keeps the
// commit; the journal stays chained (the store carries on from the head the
// file holds), sending the same bytes again gets the original answer, and
// the message is delivered once.
func TestFailedFsyncHub(t *testing.T) {
	// No sweeps: the failed commit must be the SendRequest's.
	h := startFaultHub(t, faultHubOptions{visibility: time.Minute, sweep: time.Hour})
	court := h.client("COURT01")
	signer := h.Signer("COURT01")
	ctx := context.Background()
	first := fhSend(t, court)
	id := fhID(t)
	body := fhBody(t, signer, id, time.Time{})
	h.disk.FailNextCommit()
	_, err := court.Post(ctx, body)
	fhFailure(t, "SendRequest whose commit's fsync failed", err)
	if s := h.disk.Stats(); s.FailedCommits != 1 {
		t.Fatalf("the fault was not injected: %+v", s)
	}
	last := fhSend(t, court)
	h.verify()
	_, err = h.Store.Message(ctx, id)
	storedAnyway := err == nil
	r, err := court.Post(ctx, body)
	if err != nil || r.Metadata == nil || r.Metadata.MessageID != id {
		t.Fatalf("sending the refused bytes again: %v", err)
	}
	h.Restart()
	got := fhDrain(t, h.client("FSSP01"))
	if missing, extra := sameSet(map[string]bool{first: true, id: true, last: true}, got); len(missing)+len(extra) > 0 {
		t.Fatalf("missing %v, extra %v", missing, extra)
	}
	h.journaled(got)
	h.verify()
	t.Logf("the refused message was stored anyway: %v; sent again, it was answered with its metadata and delivered once", storedAnyway)
}

// TestSlowFsyncHub: every commit stalls (a slow fsync) while senders give up
// at random moments (their HTTP requests cancelled, so the hub's call
// contexts end while commits are pending). Every send answered with an
// acknowledgement is delivered; a send left unanswered may have been
// stored, and sending the same bytes again gets the original answer; each
// message is delivered once.
func TestSlowFsyncHub(t *testing.T) {
	h := startFaultHub(t, faultHubOptions{visibility: time.Minute})
	court := h.client("COURT01")
	signer := h.Signer("COURT01")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))

	// Latency without the fault, for comparison.
	var fast time.Duration
	for range 5 {
		start := time.Now()
		if _, err := court.Post(context.Background(), fhBody(t, signer, fhID(t), time.Time{})); err != nil {
			t.Fatal(err)
		}
		fast = max(fast, time.Since(start))
	}
	h.verify()
	fhDrain(t, h.client("FSSP01"))

	const delay = 150 * time.Millisecond
	h.disk.SetCommitDelay(delay)
	type attempt struct {
		id   string
		body []byte
		wait time.Duration
	}
	var all []attempt
	for range 48 {
		all = append(all, attempt{id: fhID(t), wait: time.Duration(20+rng.IntN(500)) * time.Millisecond})
	}
	for i := range all {
		all[i].body = fhBody(t, signer, all[i].id, time.Time{})
	}
	var mu sync.Mutex
	acked, unanswered := map[string]bool{}, map[string]bool{}
	var slow time.Duration
	var wg sync.WaitGroup
	work := make(chan attempt)
	for range 8 {
		wg.Go(func() {
			for a := range work {
				ctx, cancel := context.WithTimeout(context.Background(), a.wait)
				start := time.Now()
				_, err := court.Post(ctx, a.body)
				took := time.Since(start)
				cancel()
				mu.Lock()
				if err == nil {
					acked[a.id] = true
					slow = max(slow, took)
				} else {
					unanswered[a.id] = true
				}
				mu.Unlock()
				if err != nil && !errors.Is(err, context.DeadlineExceeded) {
					var f *soap.Fault
					if !errors.As(err, &f) || f.Code != "MZ-9001" {
						t.Errorf("%s: %v", a.id, err)
					}
				}
			}
		})
	}
	for _, a := range all {
		work <- a
	}
	close(work)
	wg.Wait()
	if len(unanswered) == 0 || len(acked) == 0 {
		t.Logf("%d acknowledged, %d unanswered: the timeouts did not split the sends", len(acked), len(unanswered))
	}
	// Every acknowledged message is stored now, while commits are still slow.
	for id := range acked {
		if _, err := h.Store.Message(context.Background(), id); err != nil {
			t.Fatalf("%s acknowledged but not stored: %v", id, err)
		}
	}
	h.disk.SetCommitDelay(0)
	// The senders left without an answer send the same bytes again.
	storedAnyway := 0
	for _, a := range all {
		if !unanswered[a.id] {
			continue
		}
		if _, err := h.Store.Message(context.Background(), a.id); err == nil {
			storedAnyway++
		}
		r, err := court.Post(context.Background(), a.body)
		if err != nil {
			t.Fatalf("sending %s again: %v", a.id, err)
		}
		if r.Metadata == nil || r.Metadata.MessageID != a.id {
			t.Fatalf("sending %s again: metadata %+v", a.id, r.Metadata)
		}
	}
	h.Restart()
	got := fhDrain(t, h.client("FSSP01"))
	want := map[string]bool{}
	for _, a := range all {
		want[a.id] = true
	}
	if missing, extra := sameSet(want, got); len(missing)+len(extra) > 0 {
		t.Fatalf("after slow commits: missing %v, extra %v", missing, extra)
	}
	h.journaled(got)
	h.verify()
	t.Logf("commit delay %s: %d acknowledged (slowest %s; %s without the delay), %d unanswered (%d of them stored anyway, answered as duplicates when sent again); all %d delivered once",
		delay, len(acked), slow, fast, len(unanswered), storedAnyway, len(got))
}

// rawRequest is an HTTP/1.1 POST of body to the hub's 1.1 endpoint.
func rawRequest(h *faultHub, body []byte) (addr string, head []byte) {
	addr = strings.TrimSuffix(strings.TrimPrefix(h.URL, "http://"), "/ws/")
	head = fmt.Appendf(nil, "POST /ws/1.1 HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	return addr, head
}

// TestDisconnectMidRequest: clients that send half a request body and
// close, that send a whole request and close without reading the answer,
// and that close while the commit of their message is pending. The hub
// answers nobody wrongly, journals nothing for the half requests, lets no
// goroutine linger, keeps serving others, and a message it committed is
// delivered once like any other.
func TestDisconnectMidRequest(t *testing.T) {
	h := startFaultHub(t, faultHubOptions{visibility: time.Minute})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	signer := h.Signer("COURT01")
	ctx := context.Background()
	first := fhSend(t, court)
	before := h.verify().Records
	baseline := runtime.NumGoroutine()

	dial := func(addr string) net.Conn {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Half a body, then close.
	for range 20 {
		body := fhBody(t, signer, fhID(t), time.Time{})
		addr, head := rawRequest(h, body)
		c := dial(addr)
		c.Write(head)
		c.Write(body[:len(body)/2])
		c.Close()
	}
	// A whole request, closed before the answer is read.
	maybe := map[string]bool{}
	for range 20 {
		id := fhID(t)
		body := fhBody(t, signer, id, time.Time{})
		addr, head := rawRequest(h, body)
		c := dial(addr)
		c.Write(append(head, body...))
		c.Close()
		maybe[id] = true
	}
	// Closed while the commit is pending.
	h.disk.SetCommitDelay(200 * time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 10 {
		id := fhID(t)
		body := fhBody(t, signer, id, time.Time{})
		addr, head := rawRequest(h, body)
		mu.Lock()
		maybe[id] = true
		mu.Unlock()
		wg.Go(func() {
			c := dial(addr)
			c.Write(append(head, body...))
			time.Sleep(time.Duration(10+10*i) * time.Millisecond) // the moment of the disconnect, spread over the commit
			c.Close()
		})
	}
	wg.Wait()
	h.disk.SetCommitDelay(0)

	// The hub serves others meanwhile and after.
	second := fhSend(t, court)
	// No goroutine lingers.
	settle := time.Now()
	fhEventually(t, 15*time.Second, fmt.Sprintf("goroutines back to %d (+2)", baseline), func() bool {
		return runtime.NumGoroutine() <= baseline+2
	})
	t.Logf("goroutines: %d before the disconnects, %d after %s", baseline, runtime.NumGoroutine(), time.Since(settle).Round(time.Millisecond))

	got := fhDrain(t, fssp)
	if !got[first] || !got[second] {
		t.Fatalf("acknowledged messages lost: delivered %v", got)
	}
	committed := 0
	for id := range got {
		if id != first && id != second && !maybe[id] {
			t.Fatalf("%s delivered but never sent", id)
		}
	}
	for id := range maybe {
		_, err := h.Store.Message(ctx, id)
		switch {
		case err == nil && !got[id]:
			t.Fatalf("%s is stored but was not delivered", id)
		case err == nil:
			committed++
		case !errors.Is(err, store.ErrNotFound):
			t.Fatal(err)
		}
	}
	h.journaled(got)
	sum := h.verify()
	// The half requests left no trace; a whole request closed early left its
	// records only if it was committed.
	rejected := 0
	if err := h.Store.Journal(ctx, before+1, func(r store.Record) error {
		if r.Event == store.EventRejected {
			rejected++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rejected > 0 {
		t.Fatalf("%d rejections journaled for calls whose callers went away", rejected)
	}
	t.Logf("20 half requests, 30 abandoned whole requests: %d of those committed and delivered once; journal %d records", committed, sum.Records)
}

// TestClockJumps: the hub's clock jumps forward (leases run out and their
// messages come again, EOLs pass, deadlines pass) and back (leases do not
// end early, nothing is delivered twice at once, negative durations harm
// nothing). An acknowledged message never comes back. The journal records
// the hub's clock as it read it, so its times go backwards where the clock
// did; the chain, checkpoints and signatures verify all the same (order is
// the sequence number's; verification checks no time order).
func TestClockJumps(t *testing.T) {
	clock := &fhClock{}
	promReg := prometheus.NewRegistry()
	obs := &fhSweeps{Observer: metrics.New(promReg, nil)}
	h := startFaultHub(t, faultHubOptions{visibility: time.Minute, now: clock.Now, observer: obs})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	signer := h.Signer("COURT01")
	ctx := context.Background()
	// afterSweeps waits until the hub has swept n more times.
	afterSweeps := func(n int64) {
		t.Helper()
		from := obs.n.Load()
		fhEventually(t, 10*time.Second, "sweeps", func() bool { return obs.n.Load() >= from+n })
	}
	acked := map[string]bool{}
	get := func() *soap.DeliveredRequest {
		t.Helper()
		r, err := fssp.GetRequest(ctx, "", "")
		if err != nil {
			t.Fatalf("GetRequest: %v", err)
		}
		if r.Request != nil && acked[r.Request.Data.MessageID] {
			t.Fatalf("%s delivered after its Ack", r.Request.Data.MessageID)
		}
		return r.Request
	}
	ack := func(id string) {
		t.Helper()
		if err := fssp.Ack(ctx, id, true); err != nil {
			t.Fatalf("Ack %s: %v", id, err)
		}
		acked[id] = true
	}

	// Forward by 2 hours.
	a := fhSend(t, court)
	eolID := fhID(t)
	if _, err := court.Post(ctx, fhBody(t, signer, eolID, time.Now().Add(30*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if r := get(); r == nil || r.Data.MessageID != a {
		t.Fatalf("first delivery: %+v", r)
	}
	clock.Jump(2 * time.Hour)
	var again *soap.DeliveredRequest
	fhEventually(t, 10*time.Second, "the redelivery of a lease that ran out", func() bool {
		again = get()
		return again != nil
	})
	if again.Data.MessageID != a {
		t.Fatalf("after the jump: %s delivered, want %s again (the EOL one must have expired)", again.Data.MessageID, a)
	}
	if d := again.Metadata.DeliveryTime; d.Before(time.Now().Add(time.Hour)) {
		t.Fatalf("delivery time %s is not the hub's clock", d)
	}
	ack(a)
	if r := get(); r != nil {
		t.Fatalf("%s delivered past its EOL", r.Data.MessageID)
	}
	// The court learns of the expiry; past the type's deadline (3 working
	// days) the unanswered writ becomes overdue.
	clock.Jump(10 * 24 * time.Hour)
	afterSweeps(2)
	seen := map[string]bool{}
	fhEventually(t, 10*time.Second, "status events of the expiry and the overdue writ", func() bool {
		r, err := court.GetStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s := r.Status; s != nil {
			switch {
			case s.OriginalMessageID == eolID && s.FaultCode == "MZ-2008":
				seen["expired"] = true
			case s.OriginalMessageID == a && strings.HasPrefix(s.Details, "overdue"):
				seen["overdue"] = true
			}
		}
		return seen["expired"] && seen["overdue"]
	})

	// Back by 10 days and 3 hours: an hour before the test began.
	b, b2 := fhSend(t, court), fhSend(t, court)
	for _, id := range []string{b, b2} {
		if r := get(); r == nil || r.Data.MessageID != id {
			t.Fatalf("delivery of %s: %+v", id, r)
		}
	}
	clock.Jump(-(10*24*time.Hour + 3*time.Hour))
	c := fhSend(t, court)
	if r := get(); r == nil || r.Data.MessageID != c {
		t.Fatalf("delivery of c: %+v", r)
	}
	// b's lease, taken before the jump, runs on the hub's clock: it does
	// not end early, and neither does c's; nothing is delivered twice
	// at once.
	afterSweeps(5)
	if r := get(); r != nil {
		t.Fatalf("%s delivered while leased", r.Data.MessageID)
	}
	ack(c)
	// Negative durations (b2 acknowledged "before" it was received) harm
	// nothing, metrics included.
	ack(b2)
	d := fhSend(t, court)
	if r := get(); r == nil || r.Data.MessageID != d {
		t.Fatalf("delivery of d: %+v", r)
	}
	ack(d)
	if _, err := promReg.Gather(); err != nil {
		t.Fatal(err)
	}
	// Checkpoints go on although the clock is now before the last one.
	head, _, err := h.Store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fhEventually(t, 10*time.Second, "a checkpoint after the clock went back", func() bool {
		found := false
		_ = h.Store.Checkpoints(ctx, func(c store.Checkpoint) error { found = found || c.Seq >= head; return nil })
		return found
	})
	// Forward past b's lease: b comes again, once.
	clock.Jump(11 * 24 * time.Hour)
	var rb *soap.DeliveredRequest
	fhEventually(t, 10*time.Second, "the redelivery of b", func() bool {
		rb = get()
		return rb != nil
	})
	if rb.Data.MessageID != b {
		t.Fatalf("%s delivered, want b", rb.Data.MessageID)
	}
	ack(b)
	afterSweeps(3)
	if r := get(); r != nil {
		t.Fatalf("%s delivered after everything was acknowledged", r.Data.MessageID)
	}
	if _, err := promReg.Gather(); err != nil {
		t.Fatal(err)
	}

	// The journal: times go backwards where the clock did, and it verifies.
	var recs []store.Record
	if err := h.Store.Journal(ctx, 1, func(r store.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	back := slices.ContainsFunc(recs[1:], func(r store.Record) bool { return r.Time.Before(recs[r.Seq-2].Time) })
	if !back {
		t.Fatal("no journal record is older than the one before it: the clock did not go back")
	}
	h.verify()
	// A restart signs a last checkpoint (at the clock's time) and the whole
	// journal still verifies.
	h.Restart()
	sum := h.verify()
	if sum.Checkpoints == 0 || sum.Covered != sum.Records {
		t.Fatalf("checkpoints %d covering %d of %d records", sum.Checkpoints, sum.Covered, sum.Records)
	}
	t.Logf("journal of %d records from %s to %s (first and last, not min and max), %d checkpoints", sum.Records,
		sum.First.Format(time.RFC3339), sum.Last.Format(time.RFC3339), sum.Checkpoints)
}
