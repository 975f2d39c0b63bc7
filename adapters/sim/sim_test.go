package sim

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
	"mezhved/exchange/audit"
	"mezhved/internal/hubtest"
	"mezhved/schemas/ident"
	"mezhved/store"
)

// cycleDeadline bounds a whole simulated cycle in the tests.
const cycleDeadline = 4 * time.Minute

// caseCount is the number of cases of the long tests: 100, or 30 with
// -short.
func caseCount() int {
	if testing.Short() {
		return 30
	}
	return 100
}

// testLogger logs warnings and errors to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// started runs the simulation until the test ends.
func started(t *testing.T, s *Sim) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return ctx
}

// waitDone waits for every case to reach its final state.
func waitDone(t *testing.T, s *Sim, began time.Time) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(cycleDeadline - time.Since(began)):
		diffs := s.Check()
		t.Fatalf("not done after %v: %+v\n%d differences, first:\n%s", cycleDeadline, s.Progress(), len(diffs),
			strings.Join(diffs[:min(len(diffs), 30)], "\n"))
	}
}

// report logs the progress table.
func report(t *testing.T, s *Sim, began time.Time) {
	var b strings.Builder
	s.Progress().WriteTable(&b)
	t.Logf("%d cases in %v\n%s", len(s.ds.Cases), time.Since(began).Round(time.Millisecond), b.String())
}

func newSim(t *testing.T, h *hubtest.Hub, ds *dataset.DataSet, deferred ...string) *Sim {
	s, err := New(Config{Data: ds, Client: func(m string) *adapters.Client { return h.Client(m) }, Logger: testLogger(t), Deferred: deferred})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkFinal checks the end of a cycle: Check agrees with Expected, the
// agencies' own records say the same, the journal links every response to
// its request, and the journal and the store agree on every delivery.
func checkFinal(t *testing.T, s *Sim, h *hubtest.Hub) {
	t.Helper()
	if diffs := s.Check(); len(diffs) > 0 {
		t.Errorf("%d differences from Expected:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 40)], "\n"))
	}
	checkProceedings(t, s)
	checkRestrictions(t, s)
	checkJournal(t, h)
	diffs, n, err := audit.CompareState(context.Background(), h.Store)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Errorf("the journal and the store disagree on %d of %d deliveries: %+v", len(diffs), n, diffs[:min(len(diffs), 5)])
	}
	if p := s.Progress(); p.DeadLetters != 0 || p.NotExecuted != 0 {
		t.Errorf("progress %+v", p)
	}
}

// checkProceedings: every issuer got a valid proceeding number for each of
// its writs, none twice.
func checkProceedings(t *testing.T, s *Sim) {
	t.Helper()
	numbers := map[string]string{}
	for i := range s.ds.Cases {
		c := &s.ds.Cases[i]
		n := s.parts[c.Issuer].issuer.answer(c.DocumentNumber)
		if err := ident.CheckProceeding(n); err != nil {
			t.Errorf("%s: the issuer got %q: %v", c.ID, n, err)
			continue
		}
		if other, dup := numbers[n]; dup {
			t.Errorf("%s and %s got the same proceeding number", other, c.ID)
		}
		numbers[n] = c.ID
	}
}

// checkRestrictions looks at the registries of the agencies that hold
// measures, apart from the bailiff's view: each case has as many measures
// as its outcome has restrictions; those of a case paid in full are all
// lifted, the others all in force.
func checkRestrictions(t *testing.T, s *Sim) {
	t.Helper()
	perCase := map[int]int{}
	for _, name := range Agencies() {
		p := s.parts[name]
		var reg *registry
		switch {
		case p.traffic != nil:
			reg = &p.traffic.reg
		case p.land != nil:
			reg = &p.land.reg
		case p.bank != nil:
			reg = &p.bank.reg
		default:
			continue
		}
		for _, m := range reg.snapshot() {
			// A proceeding's serial is its case's position.
			serial, err := strconv.Atoi(m.Proceeding[:strings.IndexByte(m.Proceeding, '/')])
			if err != nil || serial < 1 || serial > len(s.ds.Cases) {
				t.Errorf("%s holds a measure of proceeding %q", name, m.Proceeding)
				continue
			}
			c := &s.ds.Cases[serial-1]
			perCase[serial-1]++
			switch lifted := m.LiftedBy != ""; {
			case c.PaidInFull() && !lifted:
				t.Errorf("%s: paid in full, but %s still holds a %s", c.ID, name, m.Kind)
			case !c.PaidInFull() && lifted:
				t.Errorf("%s: not paid in full, but %s lifted a %s", c.ID, name, m.Kind)
			}
		}
	}
	for i := range s.ds.Cases {
		c := &s.ds.Cases[i]
		if want := s.ds.Expected(c).Restrictions(); perCase[i] != want {
			t.Errorf("%s: %d measures placed, want %d", c.ID, perCase[i], want)
		}
	}
}

// answered are the message types that get an answer.
var answered = []string{"writ", "vehicle-query", "account-query", "bank-account-query", "real-estate-query", "income-query", "decree"}

// checkJournal: for every response the hub received there is a
// response-linked record on its request, naming it; every request of a
// type that is answered is linked to exactly one response, and no other
// request to any.
func checkJournal(t *testing.T, h *hubtest.Hub) {
	t.Helper()
	ctx := context.Background()
	requests := map[string]string{}  // request id -> type
	responses := map[string]string{} // response id -> request id
	err := h.Store.Journal(ctx, 0, func(r store.Record) error {
		if r.Event != store.EventReceived {
			return nil
		}
		if req, ok := strings.CutPrefix(r.Detail, "response to "); ok {
			responses[r.MessageID] = req
		} else {
			requests[r.MessageID] = r.Type
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	links := map[string][]string{} // request id -> response ids
	for req := range requests {
		err := h.Store.JournalBy(ctx, store.ByMessage, req, func(r store.Record) error {
			if r.Event == store.EventResponseLinked && r.MessageID == req {
				links[req] = append(links[req], r.ReferenceID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for resp, req := range responses {
		if !slices.Contains(links[req], resp) {
			t.Errorf("response %s to %s (%s) has no response-linked record on its request", resp, req, requests[req])
		}
	}
	byType := map[string]int{}
	for req, typ := range requests {
		byType[typ]++
		want := 0
		if slices.Contains(answered, typ) {
			want = 1
		}
		if len(links[req]) != want {
			t.Errorf("%s %s is linked to %d responses, want %d", typ, req, len(links[req]), want)
		}
	}
	t.Logf("journal: %d requests %v, %d responses", len(requests), byType, len(responses))
}

func TestHundredCases(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	ds := dataset.Generate(20240901, caseCount())
	s := newSim(t, h, ds)
	began := time.Now()
	started(t, s)
	waitDone(t, s, began)
	report(t, s, began)
	checkFinal(t, s, h)

	// Every proceeding was opened, every case of the data set's kinds
	// happened, and the counts add up.
	var want Summary
	for i := range ds.Cases {
		o := ds.Expected(&ds.Cases[i])
		want.Writs++
		want.Proceedings++
		if o.Lifted {
			want.Lifted += o.Restrictions()
		}
		want.Collected += len(o.Collections)
		if o.Closed {
			want.Closed++
		}
		if ds.Cases[i].Payment != nil {
			want.Payments++
		}
	}
	got := s.Progress()
	if got.Writs != want.Writs || got.Proceedings != want.Proceedings || got.Lifted != want.Lifted ||
		got.Collected != want.Collected || got.Closed != want.Closed || got.Payments != want.Payments {
		t.Errorf("progress %+v, want %+v", got, want)
	}
	if got.Lifted == 0 || got.Collected == 0 || got.PartlyExecuted == 0 || got.Closed == 0 {
		t.Errorf("the data set did not exercise every step: %+v", got)
	}
}

// TestBankOffline: one bank's system is down from the start. Everything
// that does not need it goes on; its account queries wait in its queue, and
// so does every case whose debtor banks with it. When it comes up, it takes
// its queue and every case completes, with nothing lost.
//
// A bank's arrests follow its own answer about the accounts (the data
// set's rule 3), so the decrees to a bank that has never been up cannot be
// issued before it answers; what waits for it are its queries, and
// everything the other agencies can do has been done when it starts.
func TestBankOffline(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	ds := dataset.Generate(20240902, caseCount())
	offline := dataset.Banks()[1]
	s := newSim(t, h, ds, offline.Participant)

	// What the others get done without it: every case whose debtor has no
	// account at it completes; the others get their bans and licence
	// restrictions, and wait for their bank answer.
	var queued, decrees, stalled int
	for i := range ds.Cases {
		c := &ds.Cases[i]
		o := ds.Expected(c)
		if slices.Contains(ds.BanksOf(c.Debtor.Key()), offline.BIC) {
			queued++
			stalled++
			decrees += len(o.VehicleBans) + len(o.RealEstateBans)
			if o.DrivingLicenceRestricted {
				decrees++
			}
			continue
		}
		decrees += o.Restrictions() + len(o.Collections)
		if o.Lifted {
			decrees += o.Restrictions()
		}
	}
	if stalled == 0 || stalled == len(ds.Cases) {
		t.Fatalf("%d of %d cases bank with %s; pick another seed", stalled, len(ds.Cases), offline.Participant)
	}

	began := time.Now()
	ctx := started(t, s)
	pending := func() int64 {
		st, err := h.Store.Stats(context.Background(), offline.Participant)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range st {
			if q.Queue == store.QueueName(offline.Participant, store.Request) {
				return q.Pending
			}
		}
		return 0
	}
	for {
		p := s.Progress()
		if p.Decrees == decrees && p.Executed+p.PartlyExecuted+p.NotExecuted == decrees && pending() == int64(queued) {
			break
		}
		if time.Since(began) > cycleDeadline {
			t.Fatalf("the others did not get done: progress %+v (want %d decrees), %d waiting for %s (want %d)",
				p, decrees, pending(), offline.Participant, queued)
		}
		select {
		case <-s.Done():
			t.Fatal("done without the offline bank")
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Logf("after %v: %d decrees issued and answered, %d queries waiting for %s", time.Since(began).Round(time.Millisecond),
		decrees, queued, offline.Participant)
	select {
	case <-s.Done():
		t.Fatal("done without the offline bank")
	default:
	}
	if p := s.Progress(); p.Closed >= len(ds.Cases) || p.Writs != len(ds.Cases) {
		t.Fatalf("progress %+v", p)
	}

	// The bank comes up.
	a, drive, err := s.Agency(offline.Participant)
	if err != nil {
		t.Fatal(err)
	}
	bankCtx, stopBank := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		a.Run(bankCtx)
	}()
	t.Cleanup(func() { stopBank(); <-stopped })
	if err := drive(bankCtx); err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, began)
	report(t, s, began)
	checkFinal(t, s, h)

	// Nothing the bank was sent was lost or delivered twice.
	var delivered int
	err = h.Store.Journal(context.Background(), 0, func(r store.Record) error {
		if r.Recipient != offline.Participant {
			return nil
		}
		switch r.Event {
		case store.EventAcked:
			delivered++
		case store.EventRedelivered, store.EventDeadLettered, store.EventExpired, store.EventRefused:
			t.Errorf("%s: %s %s", r.Event, r.Type, r.MessageID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pending() != 0 || delivered == 0 {
		t.Fatalf("%d still waiting, %d delivered", pending(), delivered)
	}
	t.Logf("%s acknowledged %d requests", offline.Participant, delivered)
}

// TestRate: the writs go out at the configured rate, case i at i/Rate
// seconds, whichever issuer sends it.
func TestRate(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	ds := dataset.Generate(3, 8)
	const rate = 20.0 // writs per second
	s, err := New(Config{Data: ds, Client: func(m string) *adapters.Client { return h.Client(m) }, Logger: testLogger(t), Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	started(t, s)
	waitDone(t, s, began)
	// The journal has the time each writ was received.
	var received []time.Time
	err = h.Store.Journal(context.Background(), 0, func(r store.Record) error {
		if r.Event == store.EventReceived && r.Type == "writ" {
			received = append(received, r.Time)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(received) != len(ds.Cases) {
		t.Fatalf("%d writs received, want %d", len(received), len(ds.Cases))
	}
	slices.SortFunc(received, time.Time.Compare)
	if spread, least := received[len(received)-1].Sub(received[0]), time.Duration(float64(len(received)-2)/rate*float64(time.Second)); spread < least {
		t.Errorf("the writs came within %v; at %v a second they take at least %v", spread, rate, least)
	}
	if diffs := s.Check(); len(diffs) > 0 {
		t.Errorf("differences from Expected:\n%s", strings.Join(diffs, "\n"))
	}
}

// TestDeadLetters: a writ that its recipient takes and never acknowledges
// becomes a dead letter, and its issuer counts it.
func TestDeadLetters(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{MaxAttempts: 1, Visibility: 200 * time.Millisecond})
	ds := dataset.Generate(3, 8)
	var courtCases int
	for _, c := range ds.Cases {
		if c.Issuer == Court {
			courtCases++
		}
	}
	if courtCases == 0 {
		t.Fatal("no court case; pick another seed")
	}
	// Only the court runs; a stand-in for the bailiff's system takes the
	// writs and drops them.
	var others []string
	for _, name := range Agencies() {
		if name != Court {
			others = append(others, name)
		}
	}
	s := newSim(t, h, ds, others...)
	started(t, s)
	bailiffs := h.Client(Bailiffs)
	deadline := time.Now().Add(30 * time.Second)
	for s.Progress().DeadLetters < courtCases {
		if time.Now().After(deadline) {
			t.Fatalf("progress %+v, want %d dead letters", s.Progress(), courtCases)
		}
		if _, err := bailiffs.GetRequest(context.Background(), "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if p := s.Progress(); p.DeadLetters != courtCases || p.Writs != courtCases {
		t.Fatalf("progress %+v, want %d writs and as many dead letters", p, courtCases)
	}
}

func TestOverdue(t *testing.T) {
	st := newStats(time.Minute)
	st.await("a") // answered in time
	st.answered("a")
	st.await("b") // answered late
	st.waiting["b"] = time.Now().Add(-2 * time.Minute)
	st.answered("b")
	st.await("c") // still waiting, late
	st.waiting["c"] = time.Now().Add(-2 * time.Minute)
	st.await("d") // still waiting, in time
	st.await("e") // never sent
	st.forget("e")
	st.waiting["e"] = time.Now().Add(-2 * time.Minute)
	st.forget("e")
	if got := st.summary().Overdue; got != 2 {
		t.Fatalf("overdue %d, want 2", got)
	}
}
