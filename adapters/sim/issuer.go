package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
)

// issuer submits the writs of its cases (a court, the traffic police or the
// tax service) and takes the bailiff's answers.
type issuer struct {
	agency
	rate float64

	mu sync.Mutex
	// answers holds, by writ number, the proceeding number the bailiff
	// opened, or "rejected: <reason code>".
	answers map[string]string
}

func newIssuer(base agency, rate float64) *issuer {
	return &issuer{agency: base, rate: rate, answers: map[string]string{}}
}

func (i *issuer) install(a *adapters.Adapter) { a.Responses["WritAnswer"] = i.writAnswer }

// submitted is the adapter-state key that records a writ as sent, so that a
// restarted issuer with a durable state does not submit it twice.
func submitted(writ string) string { return "submitted:" + writ }

// submit sends the writ of each of the issuer's cases, case i of the data
// set at i/rate seconds after the start, with the writ number as the
// transaction code. A writ the hub refuses for good is reported at the end;
// the others still go.
func (i *issuer) submit(ctx context.Context) error {
	start := time.Now()
	var errs []error
	for idx := range i.ds.Cases {
		c := &i.ds.Cases[idx]
		if c.Issuer != i.name {
			continue
		}
		if i.rate > 0 {
			at := start.Add(time.Duration(float64(idx) / i.rate * float64(time.Second)))
			if !sleepUntil(ctx, at) {
				return nil
			}
		}
		if _, done, err := i.adapter.State.Get(submitted(c.DocumentNumber)); err != nil {
			return err
		} else if done {
			continue
		}
		key := "writ:" + c.DocumentNumber
		i.stats.await(key)
		md, err := i.adapter.Send(ctx, writPayload(c), adapters.SendOptions{TransactionCode: c.DocumentNumber})
		if err != nil {
			i.stats.forget(key)
			if ctx.Err() != nil {
				return nil
			}
			errs = append(errs, fmt.Errorf("the writ of case %s: %w", c.ID, err))
			continue
		}
		if err := i.adapter.State.Put(submitted(c.DocumentNumber), adapters.Record{Phase: adapters.PhaseDone, Accepted: true, At: time.Now()}); err != nil {
			return err
		}
		i.log.Debug("writ submitted", "case", c.ID, "message", md.MessageID)
		i.stats.writs.Add(1)
		i.stats.changed()
	}
	return errors.Join(errs...)
}

func (i *issuer) writAnswer(_ context.Context, r *adapters.Response) error {
	number := text(r.Payload, "WritRef/Number")
	outcome := text(r.Payload, "Accepted/ProceedingNumber")
	if outcome == "" {
		outcome = "rejected: " + text(r.Payload, "Rejected/ReasonCode")
		i.log.Warn("writ rejected", "message", r.RequestID, "reason", text(r.Payload, "Rejected/ReasonCode"))
	}
	i.mu.Lock()
	i.answers[number] = outcome
	i.mu.Unlock()
	i.stats.answered("writ:" + number)
	i.stats.changed()
	return nil
}

// answer returns what the bailiff answered to a writ ("" before the answer).
func (i *issuer) answer(writ string) string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.answers[writ]
}

// writPayload builds the Writ of a case.
func writPayload(c *dataset.Case) *etree.Element {
	w := newPayload("writ", "Writ")
	is := w.CreateElement("Issuer")
	add(is, "Code", c.Issuer)
	add(is, "Name", c.IssuerName)
	add(w, "DocumentKind", c.DocumentKind)
	add(w, "DocumentNumber", c.DocumentNumber)
	add(w, "DocumentDate", c.DocumentDate)
	add(w, "CaseNumber", c.CaseNumber)
	addOpt(w, "DecisionEffectiveDate", c.DecisionEffectiveDate)
	addParty(w, "Creditor", c.Creditor)
	addParty(w, "Debtor", c.Debtor.Party)
	addMoney(w, "Amount", c.Debt)
	add(w, "Subject", c.SubjectText)
	return w
}

// sleepUntil waits until t unless ctx ends first; it reports whether ctx is
// still on.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
