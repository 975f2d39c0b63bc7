package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"mezhved/store"
)

// Query selects the conversations Replay rebuilds. Exactly one of
// MessageID, TransactionCode, Proceeding and Participant names the seed;
// From and To, when set, keep the messages received within them.
type Query struct {
	MessageID       string
	TransactionCode string
	Proceeding      string
	Participant     string
	From, To        time.Time
	// Now is the time waiting is measured against. Default time.Now.
	Now time.Time
}

// Conversation is a request and everything that followed it: deliveries,
// acknowledgements, its responses and theirs. A message with no request
// (a call refused at the door, a response whose request is not in the
// journal) is a conversation of its own.
type Conversation struct {
	Messages []*History `json:"messages"`
}

// History is one message's life, rebuilt from the journal alone.
type History struct {
	MessageID string `json:"messageId"`
	// Kind is "request", "response" or "rejected" (refused at the door).
	Kind            string    `json:"kind"`
	Sender          string    `json:"sender,omitempty"`
	Type            string    `json:"type,omitempty"`
	TransactionCode string    `json:"transactionCode,omitempty"`
	Proceeding      string    `json:"proceeding,omitempty"`
	ResponseTo      string    `json:"responseTo,omitempty"`
	Received        time.Time `json:"received"`
	// Events are the message's journal records, in order.
	Events []Event `json:"events"`
	// Deliveries are where the message stands at each recipient.
	Deliveries []Delivery `json:"deliveries,omitempty"`
	// Responses are the IDs of the responses linked to a request.
	Responses []string `json:"responses,omitempty"`
}

// Event is one journal record of a message.
type Event struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Event     string    `json:"event"`
	Recipient string    `json:"recipient,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Delivery is where a message stands at one recipient.
type Delivery struct {
	Recipient string `json:"recipient"`
	// State is a store.Delivery constant.
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	// Since is when the delivery reached State.
	Since time.Time `json:"since"`
	// Waiting is, for a delivery still queued or leased, how long since
	// the message was received; Took is, for a finished one, how long it
	// took from receipt.
	Waiting time.Duration `json:"waiting,omitempty"`
	Took    time.Duration `json:"took,omitempty"`
}

// Final reports whether the delivery has ended.
func (d Delivery) Final() bool {
	return d.State != store.DeliveryQueued && d.State != store.DeliveryLeased
}

// maxReplayMessages bounds what one replay gathers.
const maxReplayMessages = 100_000

// Replay rebuilds the conversations a query selects, from the journal's
// indexes, without reading the rest of the journal.
func Replay(ctx context.Context, src Source, q Query) ([]Conversation, error) {
	return replay(ctx, src, q)
}

// journalIndex is what a replay reads: the records indexed under a value,
// in order. A store is one; so is recordIndex, the verified journal slice
// of an evidence archive.
type journalIndex interface {
	JournalBy(ctx context.Context, field store.IndexField, value string, fn func(store.Record) error) error
}

// replay is Replay over any journal index.
func replay(ctx context.Context, src journalIndex, q Query) ([]Conversation, error) {
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	field, value, err := q.seed()
	if err != nil {
		return nil, err
	}
	var seeds []string
	seen := map[string]bool{}
	err = src.JournalBy(ctx, field, value, func(r store.Record) error {
		if !slices.Contains(r.IndexValues(), [2]string{string(field), value}) {
			return misindexed(r.Seq)
		}
		for _, id := range []string{r.MessageID, r.ReferenceID} {
			if id != "" && !seen[id] && (id == r.MessageID || r.Event == store.EventResponseLinked) {
				seen[id] = true
				seeds = append(seeds, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if field == store.ByMessage && !seen[value] {
		return nil, nil
	}
	// Follow the links: a request's responses, a response's request.
	histories := map[string]*History{}
	queue := slices.Clone(seeds)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if histories[id] != nil {
			continue
		}
		if len(histories) >= maxReplayMessages {
			return nil, fmt.Errorf("audit: the query selects more than %d messages; narrow it", maxReplayMessages)
		}
		h, links, err := history(ctx, src, id, q.Now)
		if err != nil {
			return nil, err
		}
		histories[id] = h
		for _, l := range links {
			if histories[l] == nil {
				queue = append(queue, l)
			}
		}
	}
	return group(histories, q), nil
}

func (q Query) seed() (store.IndexField, string, error) {
	var field store.IndexField
	var value string
	n := 0
	for _, c := range []struct {
		f store.IndexField
		v string
	}{{store.ByMessage, q.MessageID}, {store.ByTransaction, q.TransactionCode}, {store.ByProceeding, q.Proceeding}, {store.ByParticipant, q.Participant}} {
		if c.v != "" {
			field, value = c.f, c.v
			n++
		}
	}
	if n != 1 {
		return 0, "", errors.New("audit: name exactly one of a message ID, a transaction code, a proceeding number and a participant")
	}
	return field, value, nil
}

// misindexed reports an index entry that names a record under a value the
// record does not carry: the store's index is corrupt.
func misindexed(seq uint64) error {
	return fmt.Errorf("%w: the journal's index names record %d under a value it does not carry; run journal verify", store.ErrCorrupt, seq)
}

// history rebuilds one message from its records and returns the IDs it is
// linked to.
func history(ctx context.Context, src journalIndex, id string, now time.Time) (*History, []string, error) {
	h := &History{MessageID: id}
	var links []string
	deliveries := map[string]*Delivery{}
	var order []string
	err := src.JournalBy(ctx, store.ByMessage, id, func(r store.Record) error {
		if r.MessageID != id {
			return misindexed(r.Seq)
		}
		h.Events = append(h.Events, Event{Seq: r.Seq, Time: r.Time, Event: r.Event, Recipient: r.Recipient, Detail: r.Detail})
		switch r.Event {
		case store.EventReceived:
			h.Kind, h.Sender, h.Type, h.TransactionCode, h.Proceeding, h.Received = "request", r.Sender, r.Type, r.TransactionCode, r.Proceeding, r.Time
			if to, ok := strings.CutPrefix(r.Detail, "response to "); ok {
				h.Kind, h.ResponseTo = "response", to
				links = append(links, to)
			}
		case store.EventRejected:
			if h.Kind == "" {
				h.Kind, h.Sender, h.Type, h.Received = "rejected", r.Sender, r.Type, r.Time
			}
		case store.EventResponseLinked:
			h.Responses = append(h.Responses, r.ReferenceID)
			links = append(links, r.ReferenceID)
		}
		if r.Recipient == "" || r.Event == store.EventStatusSent {
			return nil
		}
		d := deliveries[r.Recipient]
		if d == nil {
			d = &Delivery{Recipient: r.Recipient}
			deliveries[r.Recipient] = d
			order = append(order, r.Recipient)
		}
		if next, ok := applyEvent(d.State, r.Event); ok {
			switch r.Event {
			case store.EventLeased:
				d.Attempts++
			case store.EventRedriven:
				d.Attempts = 0
			}
			d.State, d.Since = next, r.Time
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, r := range order {
		d := *deliveries[r]
		switch {
		case h.Received.IsZero():
			// Its receipt was cut from the journal (the message was
			// pruned): how long it took is not known.
		case d.Final():
			d.Took = d.Since.Sub(h.Received)
		default:
			d.Waiting = now.Sub(h.Received)
		}
		h.Deliveries = append(h.Deliveries, d)
	}
	return h, links, nil
}

// recordIndex indexes records held in memory as a store indexes its
// journal (Record.IndexValues): what an archive's query is replayed over.
type recordIndex struct {
	records []store.Record
	by      map[[2]string][]int
}

func newRecordIndex() *recordIndex { return &recordIndex{by: map[[2]string][]int{}} }

// add indexes the next record (in sequence order). Prev, Hash and the
// envelope digest are not kept: replay does not read them.
func (x *recordIndex) add(r store.Record) {
	r.Prev, r.Hash, r.EnvelopeSHA256 = "", "", ""
	for _, fv := range r.IndexValues() {
		x.by[fv] = append(x.by[fv], len(x.records))
	}
	x.records = append(x.records, r)
}

// JournalBy implements journalIndex.
func (x *recordIndex) JournalBy(ctx context.Context, field store.IndexField, value string, fn func(store.Record) error) error {
	for _, i := range x.by[[2]string{string(field), value}] {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(x.records[i]); err != nil {
			return err
		}
	}
	return nil
}

// applyEvent is the delivery state machine the store follows, read back
// from the journal: it says what state an event leaves a delivery in.
func applyEvent(state, event string) (string, bool) {
	switch event {
	case store.EventQueued, store.EventRedelivered, store.EventRedriven:
		return store.DeliveryQueued, true
	case store.EventLeased:
		return store.DeliveryLeased, true
	case store.EventAcked:
		return store.DeliveryAcked, true
	case store.EventRefused:
		return store.DeliveryRefused, true
	case store.EventExpired:
		return store.DeliveryExpired, true
	case store.EventDeadLettered:
		return store.DeliveryDead, true
	}
	return state, false
}

// group puts histories into conversations, requests first, each in the
// order of its first record; the time window applies to whole
// conversations, by the receipt of their first message.
func group(histories map[string]*History, q Query) []Conversation {
	root := func(h *History) string {
		for seen := 0; h.ResponseTo != "" && seen < len(histories); seen++ {
			parent := histories[h.ResponseTo]
			if parent == nil {
				break
			}
			h = parent
		}
		return h.MessageID
	}
	byRoot := map[string][]*History{}
	for _, h := range histories {
		r := root(h)
		byRoot[r] = append(byRoot[r], h)
	}
	first := func(h *History) uint64 {
		if len(h.Events) == 0 {
			return 0
		}
		return h.Events[0].Seq
	}
	var out []Conversation
	for _, hs := range byRoot {
		sort.Slice(hs, func(i, j int) bool { return first(hs[i]) < first(hs[j]) })
		start := hs[0].Received
		if (!q.From.IsZero() && start.Before(q.From)) || (!q.To.IsZero() && start.After(q.To)) {
			continue
		}
		out = append(out, Conversation{Messages: hs})
	}
	sort.Slice(out, func(i, j int) bool { return first(out[i].Messages[0]) < first(out[j].Messages[0]) })
	return out
}

// StateDifference is one delivery on which the journal and the store
// disagree.
type StateDifference struct {
	MessageID, Recipient string
	// Journal and Store are the states each holds ("" when it has none).
	Journal, Store store.DeliveryState
}

func (d StateDifference) String() string {
	desc := func(s store.DeliveryState) string {
		if s.State == "" {
			return "nothing"
		}
		return fmt.Sprintf("%s after %d deliveries", s.State, s.Attempts)
	}
	return fmt.Sprintf("message %s to %s: the journal says %s, the store holds %s", d.MessageID, d.Recipient, desc(d.Journal), desc(d.Store))
}

// RebuildState replays the whole journal into the state of every delivery.
func RebuildState(ctx context.Context, src Source) (map[[2]string]store.DeliveryState, error) {
	state := map[[2]string]store.DeliveryState{}
	err := src.Journal(ctx, 1, func(r store.Record) error {
		if r.Recipient == "" || r.Event == store.EventStatusSent {
			return nil
		}
		k := [2]string{r.MessageID, r.Recipient}
		d, ok := state[k]
		if !ok {
			if r.Event != store.EventQueued {
				// A delivery begins queued; the later records of one whose
				// beginning was cut from the journal (its message finished
				// and pruned, as the store no longer holds it) are not one.
				return nil
			}
			d = store.DeliveryState{MessageID: r.MessageID, Recipient: r.Recipient}
		}
		next, changed := applyEvent(d.State, r.Event)
		if !changed {
			return nil
		}
		switch r.Event {
		case store.EventLeased:
			d.Attempts++
		case store.EventRedriven:
			d.Attempts = 0 // the store starts the count again
		}
		d.State = next
		state[k] = d
		return nil
	})
	return state, err
}

// CompareState rebuilds the delivery state from the journal and compares
// it with the store's; it returns every difference, ordered.
func CompareState(ctx context.Context, src Source) ([]StateDifference, int, error) {
	rebuilt, err := RebuildState(ctx, src)
	if err != nil {
		return nil, 0, err
	}
	var diffs []StateDifference
	held := map[[2]string]bool{}
	err = src.EachDelivery(ctx, func(s store.DeliveryState) error {
		k := [2]string{s.MessageID, s.Recipient}
		held[k] = true
		if j := rebuilt[k]; j != s {
			diffs = append(diffs, StateDifference{MessageID: s.MessageID, Recipient: s.Recipient, Journal: j, Store: s})
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	for k, j := range rebuilt {
		if !held[k] {
			diffs = append(diffs, StateDifference{MessageID: k[0], Recipient: k[1], Journal: j})
		}
	}
	sort.Slice(diffs, func(i, j int) bool {
		if diffs[i].MessageID != diffs[j].MessageID {
			return diffs[i].MessageID < diffs[j].MessageID
		}
		return diffs[i].Recipient < diffs[j].Recipient
	})
	return diffs, len(rebuilt), nil
}
