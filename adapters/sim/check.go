package sim

import (
	"fmt"
	"reflect"
	"slices"

	"mezhved/adapters/sim/dataset"
)

// finished reports whether every case is in its final state: its writ
// answered, its proceeding final (see proceeding.final), and every
// notification the bailiff sent about it taken in by the portal.
func (s *Sim) finished() bool {
	b, portal := s.parts[Bailiffs].bailiff, s.parts[Portal].portal
	for i := range s.ds.Cases {
		c := &s.ds.Cases[i]
		if s.parts[c.Issuer].issuer.answer(c.DocumentNumber) == "" {
			return false
		}
		b.mu.Lock()
		p := b.byWrit[c.DocumentNumber]
		b.mu.Unlock()
		// A proceeding that a handler is working on is not final yet;
		// TryLock keeps the watcher from waiting behind a slow send.
		if p == nil || !p.mu.TryLock() {
			return false
		}
		final, sent, number := p.final(), p.notifications, p.number
		p.mu.Unlock()
		if !final || portal.notifications(number) < sent {
			return false
		}
	}
	return true
}

// decreeView is a copy of a decree, for checking.
type decreeView struct {
	number, kind, target, bic, status, reason string
	amount, balance, executed                 int64
	of                                        string // number of the decree it lifts or collects on
}

// proceedingView is a copy of a proceeding, for checking.
type proceedingView struct {
	number                   string
	debt, paid               int64
	paidInFull, liftsPlanned bool
	closed                   bool
	decrees                  []decreeView
}

func (b *bailiff) view(writ string) (proceedingView, bool) {
	b.mu.Lock()
	p := b.byWrit[writ]
	b.mu.Unlock()
	if p == nil {
		return proceedingView{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	v := proceedingView{number: p.number, debt: p.debt, paid: p.paid, paidInFull: p.paidInFull(), liftsPlanned: p.done["plan:lifts"], closed: p.closed}
	for _, d := range p.decrees {
		dv := decreeView{number: d.number, kind: d.kind, target: d.target, bic: d.bic, status: d.status, reason: d.reason,
			amount: d.amount, balance: d.balance, executed: d.executed}
		if d.of != nil {
			dv.of = d.of.number
		}
		v.decrees = append(v.decrees, dv)
	}
	return v, true
}

func (d decreeView) placed() bool {
	_, restricting := liftOf[d.kind]
	return restricting && (d.status == statusExecuted || d.status == statusPartly)
}

// outcome states a proceeding in the terms of dataset.Outcome, from the
// decrees issued and their results.
func (v proceedingView) outcome(writAnswer string) dataset.Outcome {
	o := dataset.Outcome{ProceedingOpened: writAnswer == v.number}
	lifted := map[string]bool{} // restricting decree number -> lifted
	for _, d := range v.decrees {
		if d.status == statusExecuted && d.of != "" && d.kind != kindCollect {
			lifted[d.of] = true
		}
	}
	allLifted := true
	for _, d := range v.decrees {
		if d.placed() && !lifted[d.number] {
			allLifted = false
		}
		switch d.kind {
		case kindArrest:
			o.Arrests = append(o.Arrests, dataset.Arrest{Account: d.target, BIC: d.bic, Balance: d.balance, Requested: d.amount,
				Arrested: d.executed, Partial: d.status == statusPartly})
			o.ArrestedTotal += d.executed
		case kindBanVehicle:
			if d.placed() {
				o.VehicleBans = append(o.VehicleBans, d.target)
			}
		case kindBanRealEstate:
			if d.placed() {
				o.RealEstateBans = append(o.RealEstateBans, d.target)
			}
		case kindRestrictLicence:
			if d.placed() {
				o.DrivingLicenceRestricted, o.DrivingLicence = true, d.target
			}
		case kindCollect:
			if d.status == statusExecuted {
				o.Collections = append(o.Collections, dataset.Collection{Account: d.target, BIC: d.bic, Amount: d.executed})
				o.CollectedTotal += d.executed
			}
		}
	}
	o.Covered = o.ArrestedTotal == v.debt
	o.Paid = v.paid
	o.PaidInFull = v.paidInFull
	o.Lifted = v.liftsPlanned && allLifted
	o.Closed = v.closed
	return o
}

// heldMeasure is a measure with the agency holding it.
type heldMeasure struct {
	agency string
	measure
}

// Check compares the final state of every case with dataset.Expected and
// returns one line per difference, naming the case and the values that
// differ; it is empty when every case agrees. The state of a case is what
// the bailiff's file says (decrees issued and their results, payment,
// closing) together with what the answering agencies' registries hold: each
// measure placed once, by the decree the bailiff knows, still in force
// unless the case is paid in full, its collected amount as the rules say;
// and no measure anywhere that no decree of the bailiff placed.
func (s *Sim) Check() []string {
	var out []string
	held := map[string][]heldMeasure{} // placing decree number ->
	perProceeding := map[string]int{}
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
			held[m.Decree] = append(held[m.Decree], heldMeasure{agency: name, measure: m})
			perProceeding[m.Proceeding]++
		}
	}
	known := map[string]bool{}
	b := s.parts[Bailiffs].bailiff
	for i := range s.ds.Cases {
		c := &s.ds.Cases[i]
		want := s.ds.Expected(c)
		v, ok := b.view(c.DocumentNumber)
		if !ok {
			out = append(out, c.ID+": no proceeding opened")
			continue
		}
		got := v.outcome(s.parts[c.Issuer].issuer.answer(c.DocumentNumber))
		out = append(out, diffOutcome(c.ID, got, want)...)
		if n := perProceeding[v.number]; n != want.Restrictions() {
			out = append(out, fmt.Sprintf("%s: the registries hold %d measures of the proceeding, want %d", c.ID, n, want.Restrictions()))
		}
		for _, d := range v.decrees {
			known[d.number] = true
			out = append(out, checkDecree(c.ID, d, held, want)...)
		}
	}
	var strays []string
	for number, hs := range held {
		if !known[number] {
			for _, h := range hs {
				strays = append(strays, fmt.Sprintf("%s holds a %s measure placed by decree %s, which the bailiff never issued", h.agency, h.Kind, number))
			}
		}
	}
	slices.Sort(strays)
	return append(out, strays...)
}

// diffOutcome lists the fields in which got differs from want.
func diffOutcome(id string, got, want dataset.Outcome) []string {
	var out []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		gf, wf := g.Field(i).Interface(), w.Field(i).Interface()
		if g.Field(i).Kind() == reflect.Slice && g.Field(i).Len() == 0 && w.Field(i).Len() == 0 {
			continue // nil and empty agree
		}
		if !reflect.DeepEqual(gf, wf) {
			out = append(out, fmt.Sprintf("%s: %s is %+v, want %+v", id, g.Type().Field(i).Name, gf, wf))
		}
	}
	return out
}

// checkDecree compares one decree's result with what its recipient holds.
func checkDecree(id string, d decreeView, held map[string][]heldMeasure, want dataset.Outcome) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: decree %s (%s): ", id, d.number, d.kind)+fmt.Sprintf(format, args...))
	}
	switch {
	case d.status == "":
		bad("no result")
		return out
	case d.status == statusNotExecuted:
		bad("not executed (%s)", d.reason)
	}
	hs := held[d.number]
	if !d.placed() {
		if _, restricting := liftOf[d.kind]; restricting && len(hs) > 0 {
			bad("not executed, yet its recipient holds %d measures", len(hs))
		}
		return out
	}
	if len(hs) != 1 {
		bad("its recipient holds %d measures, want 1", len(hs))
		return out
	}
	m := hs[0]
	if m.Target != d.target || m.Kind != d.kind {
		bad("%s holds a %s on another object", m.agency, m.Kind)
	}
	if d.kind == kindArrest {
		if m.Arrested != d.executed {
			bad("%s froze %s, the result says %s", m.agency, money(m.Arrested), money(d.executed))
		}
		var collect int64
		if !want.PaidInFull {
			collect = m.Arrested
		}
		if m.Collected != collect {
			bad("%s collected %s, want %s", m.agency, money(m.Collected), money(collect))
		}
	}
	switch inForce := m.LiftedBy == ""; {
	case inForce && want.Lifted:
		bad("still in force at %s after full payment", m.agency)
	case !inForce && !want.Lifted:
		bad("lifted at %s without a full payment", m.agency)
	}
	return out
}
