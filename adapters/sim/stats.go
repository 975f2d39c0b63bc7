package sim

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"mezhved/exchange/fault"
	"mezhved/exchange/soap"
)

// Summary counts what the simulated agencies did so far. Every count is
// made where the event happens to its own agency: the bailiff counts the
// proceedings, queries, decrees and results it received; the portal the
// notifications it took in.
type Summary struct {
	Writs          int // writs the issuers submitted (accepted by the hub)
	Proceedings    int // proceedings the bailiff opened
	Queries        int // asset queries the bailiff sent (bank queries included)
	Answers        int // query answers the bailiff received
	Decrees        int // decrees the bailiff issued, of every kind
	Executed       int // decree results "executed" the bailiff received
	PartlyExecuted int // decree results "partly-executed"
	NotExecuted    int // decree results "not-executed"
	Lifted         int // lifting decrees executed
	Collected      int // collect-funds decrees executed
	Payments       int // payment notices the bailiff received
	Notifications  int // notifications the portal took in
	Closed         int // proceedings closed
	// Overdue counts the requests (writs, queries, decrees) whose answer
	// came, or is still missing, more than Config.Overdue after they were
	// sent.
	Overdue int
	// DeadLetters counts the agencies' messages the hub gave up delivering
	// (status requestIsRejectedBySmev with the dead-letter fault code).
	DeadLetters int
}

// WriteTable writes s as a two-column table, one count a line.
func (s Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	rows := []struct {
		name string
		n    int
	}{
		{"writs", s.Writs}, {"proceedings opened", s.Proceedings}, {"queries", s.Queries}, {"answers", s.Answers},
		{"decrees", s.Decrees}, {"executed", s.Executed}, {"partly executed", s.PartlyExecuted},
		{"not executed", s.NotExecuted}, {"lifted", s.Lifted}, {"collected", s.Collected}, {"payments", s.Payments},
		{"notifications", s.Notifications}, {"proceedings closed", s.Closed}, {"overdue", s.Overdue},
		{"dead letters", s.DeadLetters},
	}
	for _, r := range rows {
		// The name column is left-aligned by padding it here; tabwriter
		// right-aligns the numbers.
		if _, err := fmt.Fprintf(tw, "%-20s\t%d\t\n", r.name, r.n); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// stats is the instrumentation the agencies of one simulation share: counts
// and the clock of unanswered requests. It is not part of any agency's own
// state.
type stats struct {
	writs, proceedings, queries, answers, decrees, executed, partly, notExecuted,
	lifted, collected, payments, notifications, closed, deadLetters atomic.Int64

	overdueAfter time.Duration
	mu           sync.Mutex
	waiting      map[string]time.Time // request key -> when it was sent
	late         int                  // answered past overdueAfter

	// changed is called after every change of an agency's state, so that
	// the simulation re-examines whether every case is done.
	changed func()
}

func newStats(overdueAfter time.Duration) *stats {
	if overdueAfter <= 0 {
		overdueAfter = defaultOverdueAfter
	}
	return &stats{overdueAfter: overdueAfter, waiting: map[string]time.Time{}, changed: func() {}}
}

// await starts the clock of a request that expects an answer.
func (s *stats) await(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting[key] = time.Now()
}

// forget stops the clock of a request that could not be sent.
func (s *stats) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.waiting, key)
}

// answered stops the clock of a request and counts it when it was late.
func (s *stats) answered(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.waiting[key]; ok {
		if time.Since(t) > s.overdueAfter {
			s.late++
		}
		delete(s.waiting, key)
	}
}

func (s *stats) overdue() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.late
	for _, t := range s.waiting {
		if time.Since(t) > s.overdueAfter {
			n++
		}
	}
	return n
}

func (s *stats) summary() Summary {
	return Summary{
		Writs: int(s.writs.Load()), Proceedings: int(s.proceedings.Load()), Queries: int(s.queries.Load()),
		Answers: int(s.answers.Load()), Decrees: int(s.decrees.Load()), Executed: int(s.executed.Load()),
		PartlyExecuted: int(s.partly.Load()), NotExecuted: int(s.notExecuted.Load()), Lifted: int(s.lifted.Load()),
		Collected: int(s.collected.Load()), Payments: int(s.payments.Load()), Notifications: int(s.notifications.Load()),
		Closed: int(s.closed.Load()), Overdue: s.overdue(), DeadLetters: int(s.deadLetters.Load()),
	}
}

// statusHandler counts the dead letters among an agency's messages; the
// other status events need nothing from a simulated agency.
func (s *stats) statusHandler(_ context.Context, st *soap.AsyncStatus) error {
	if st.Category == soap.StatusRequestIsRejectedBySmev && st.FaultCode == fault.DeadLetter.Code {
		s.deadLetters.Add(1)
		s.changed()
	}
	return nil
}
