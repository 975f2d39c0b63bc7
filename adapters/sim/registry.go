package sim

import (
	"fmt"
	"slices"
	"sync"
)

// measure is a restriction an agency has put in place by a decree: an
// arrest of funds on one account (banks), a ban on a vehicle or a
// restriction of a driving licence (traffic police), a ban on a property
// (land registry).
type measure struct {
	Decree     string // number of the decree that placed it
	Proceeding string
	Kind       string // the placing decree's kind
	Target     string // account number, VIN, cadastral number or licence number
	BIC        string // arrests only
	// Arrests only: the amount asked for on this account, the amount
	// frozen, and how much of it has been collected.
	Requested, Arrested, Collected int64
	Record                         string // the registry record id given in the result
	LiftedBy                       string // the lifting decree's number; "" while in force
}

// registry is an agency's own register of the measures it holds and of the
// decrees it has executed; it is how an agency detects a decree executed
// twice and the lift of a measure it does not hold. Its mutex also
// serialises the agency's handling of decrees.
type registry struct {
	mu       sync.Mutex
	prefix   string // of record ids
	seq      int
	measures []*measure            // in the order placed
	executed map[string]string     // decree number -> its record id
	byDecree map[string][]*measure // placing decree number -> its measures
}

func newRegistry(prefix string) registry {
	return registry{prefix: prefix, executed: map[string]string{}, byDecree: map[string][]*measure{}}
}

// nextRecord returns a new registry record id. Callers hold mu.
func (r *registry) nextRecord() string {
	r.seq++
	return fmt.Sprintf("%s-%07d", r.prefix, r.seq)
}

// place records the measures of an executed decree under one record id.
// Callers hold mu.
func (r *registry) place(decree string, ms ...*measure) string {
	rec := r.nextRecord()
	for _, m := range ms {
		m.Decree, m.Record = decree, rec
		r.measures = append(r.measures, m)
		r.byDecree[decree] = append(r.byDecree[decree], m)
	}
	r.executed[decree] = rec
	return rec
}

// lift lifts the measures that decree d names in LiftedDecree, provided
// they are of the kind placing and in force, and that their targets are
// among d's when d names any. It returns the record id of the lift, or ""
// when there is nothing to lift. Callers hold mu.
func (r *registry) lift(d decreeMsg, placing string, targets []string) string {
	var held []*measure
	for _, m := range r.byDecree[d.Lifted] {
		if m.Kind == placing && m.LiftedBy == "" && m.Proceeding == d.Proceeding && (len(targets) == 0 || slices.Contains(targets, m.Target)) {
			held = append(held, m)
		}
	}
	if len(held) == 0 {
		return ""
	}
	for _, m := range held {
		m.LiftedBy = d.Number
	}
	rec := r.nextRecord()
	r.executed[d.Number] = rec
	return rec
}

// snapshot returns copies of every measure, in the order placed.
func (r *registry) snapshot() []measure {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]measure, len(r.measures))
	for i, m := range r.measures {
		out[i] = *m
	}
	return out
}
