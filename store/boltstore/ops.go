package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"mezhved/store"
)

// Accept implements store.Writer.
func (s *Store) Accept(ctx context.Context, m *store.Message, p store.Policy) (*store.Accepted, error) {
	if m.ID == "" || len(m.Recipients) == 0 || (m.Kind != store.Request && m.Kind != store.Response) {
		return nil, fmt.Errorf("boltstore: a message needs an ID, a kind and recipients")
	}
	if p.MaxAttempts <= 0 || p.Visibility <= 0 {
		return nil, fmt.Errorf("boltstore: the policy needs a visibility timeout and a number of attempts")
	}
	for _, t := range []struct {
		name string
		at   time.Time
	}{{"time of receipt", m.Received}, {"end of life", m.EOL}, {"due date", m.Due}} {
		if !t.at.IsZero() && !storable(t.at) {
			return nil, fmt.Errorf("%w: the message's %s %s is outside what the store keeps (1970 to April 2262)", store.ErrInvalid, t.name, t.at.UTC().Format(time.RFC3339))
		}
	}
	var res *store.Accepted
	err := s.do(ctx, func(w *wtx) error {
		res = nil
		tx := w.tx
		if v := tx.Bucket(bMessages).Get([]byte(m.ID)); v != nil {
			orig, err := decodeMessage(v)
			if err != nil {
				return err
			}
			if orig.Sender == m.Sender && orig.Digest == m.Digest {
				res = &store.Accepted{Message: orig, Duplicate: true}
				return nil
			}
			return fmt.Errorf("%w: %s", store.ErrAlreadySent, m.ID)
		}
		// Check every queue before writing anything.
		for _, r := range m.Recipients {
			q := store.QueueName(r, m.Kind)
			if n := int64(getUint(tx.Bucket(bCounts), []byte(q))); p.QueueLimit > 0 && n >= p.QueueLimit {
				return &store.QueueFullError{Queue: q, Pending: n}
			}
		}
		data, err := encodeMessage(m)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bMessages).Put([]byte(m.ID), data); err != nil {
			return err
		}
		if err := tx.Bucket(bEnvelopes).Put([]byte(m.ID), m.Envelope); err != nil {
			return err
		}
		if !m.EOL.IsZero() {
			if err := tx.Bucket(bEOL).Put(eolKey(m.EOL, m.ID), nil); err != nil {
				return err
			}
		}
		digest := hex.EncodeToString(m.Digest[:])
		if err := w.journal(store.Record{Time: m.Received, Event: store.EventReceived, MessageID: m.ID, ReferenceID: m.ReferenceID,
			TransactionCode: m.TransactionCode, Sender: m.Sender, Type: m.Type, Proceeding: m.Proceeding, EnvelopeSHA256: digest,
			Detail: kindDetail(m)}); err != nil {
			return err
		}
		if m.Kind == store.Response && m.RequestID != "" {
			if err := w.journal(store.Record{Time: m.Received, Event: store.EventResponseLinked, MessageID: m.RequestID,
				ReferenceID: m.ID, Sender: m.Sender, Type: m.Type, Detail: "response " + m.ID}); err != nil {
				return err
			}
			// The responder's answer clears the request's due date there.
			if req, err := loadMessage(tx, m.RequestID, false); err == nil && !req.Due.IsZero() {
				if err := w.clearDue(req, m.Sender); err != nil {
					return err
				}
			}
		}
		if m.Kind == store.Request && !m.Due.IsZero() {
			for _, r := range m.Recipients {
				if err := tx.Bucket(bDue).Put(dueKey(m.Due, m.ID, r), nil); err != nil {
					return err
				}
			}
		}
		for _, r := range m.Recipients {
			seq, err := w.next(kQueueSeq)
			if err != nil {
				return err
			}
			q := store.QueueName(r, m.Kind)
			d := &delivery{State: stQueued, Queue: q, Type: m.Type, Seq: seq, Visibility: p.Visibility, MaxAttempts: p.MaxAttempts}
			if err := putDelivery(tx, m.ID, r, d); err != nil {
				return err
			}
			if err := tx.Bucket(bReady).Put(readyKey(q, m.Type, seq), []byte(m.ID)); err != nil {
				return err
			}
			if err := addCount(tx, q, 1); err != nil {
				return err
			}
			if err := w.journal(store.Record{Time: m.Received, Event: store.EventQueued, MessageID: m.ID, Sender: m.Sender,
				Recipient: r, Type: m.Type, Detail: q}); err != nil {
				return err
			}
			w.queued = append(w.queued, q)
		}
		stored := *m
		stored.Envelope = nil
		res = &store.Accepted{Message: &stored}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func kindDetail(m *store.Message) string {
	if m.Kind == store.Response {
		return "response to " + m.RequestID
	}
	return "request"
}

// Lease implements store.Writer.
func (s *Store) Lease(ctx context.Context, recipient string, k store.Kind, sel store.Selector, now time.Time) (*store.Leased, error) {
	q := store.QueueName(recipient, k)
	if s.nothing(func(tx *bolt.Tx) bool {
		key, _ := head(tx.Bucket(bReady), q, sel.Types)
		return key == nil
	}) {
		return nil, nil
	}
	var res *store.Leased
	err := s.do(ctx, func(w *wtx) error {
		res = nil
		tx := w.tx
		for {
			key, id := head(tx.Bucket(bReady), q, sel.Types)
			if key == nil {
				return nil
			}
			m, err := loadMessage(tx, id, true)
			if err != nil {
				return err
			}
			d, err := getDelivery(tx, id, recipient)
			if err != nil {
				return err
			}
			if d == nil || d.State != stQueued {
				return fmt.Errorf("%w: ready entry %s without a queued delivery", store.ErrCorrupt, id)
			}
			if err := tx.Bucket(bReady).Delete(key); err != nil {
				return err
			}
			if !m.EOL.IsZero() && !now.Before(m.EOL) {
				// Past its end of life: expire it here and look further.
				if err := w.finish(m, recipient, d, stExpired, store.EventExpired, "its EOL "+m.EOL.UTC().Format(time.RFC3339)+" passed", now); err != nil {
					return err
				}
				w.pollExpired++
				continue
			}
			d.State = stLeased
			d.Attempts++
			d.Until = now.Add(d.Visibility)
			if err := putDelivery(tx, id, recipient, d); err != nil {
				return err
			}
			if err := tx.Bucket(bInflight).Put(inflightKey(d.Until, id, recipient), nil); err != nil {
				return err
			}
			if err := w.journal(store.Record{Time: now, Event: store.EventLeased, MessageID: id, Sender: m.Sender, Recipient: recipient,
				Type: m.Type, Detail: fmt.Sprintf("attempt %d of %d, until %s", d.Attempts, d.MaxAttempts, d.Until.UTC().Format(time.RFC3339Nano))}); err != nil {
				return err
			}
			res = &store.Leased{Message: m, Attempt: d.Attempts, Until: d.Until, Delivered: now}
			return nil
		}
	})
	return res, err
}

// nothing says whether a poll would find nothing (empty, in a read
// transaction): a poll of an empty queue (one of the consumers a commit
// woke together, or a look before a long poll waits) then costs the writer
// nothing and makes no commit of its own. What arrives just after the look
// is the next poll's. A failed read says false, so that the writer's
// transaction reports the failure.
func (s *Store) nothing(empty func(tx *bolt.Tx) bool) bool {
	var none bool
	err := s.db.View(func(tx *bolt.Tx) error {
		none = empty(tx)
		return nil
	})
	return err == nil && none
}

// head finds the oldest ready entry of a queue among the given types (any
// type when types is empty).
func head(b *bolt.Bucket, queue string, types []string) ([]byte, string) {
	c := b.Cursor()
	var bestKey []byte
	var bestID string
	var bestSeq uint64
	consider := func(k, v []byte) {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		if bestKey == nil || seq < bestSeq {
			bestKey, bestID, bestSeq = append([]byte(nil), k...), string(v), seq
		}
	}
	prefix := append([]byte(queue), 0)
	if len(types) > 0 {
		for _, t := range types {
			p := append(append(append([]byte(nil), prefix...), t...), 0)
			if k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p) {
				consider(k, v)
			}
		}
		return bestKey, bestID
	}
	// Skip-scan: the head of each type's run of keys.
	k, v := c.Seek(prefix)
	for k != nil && bytes.HasPrefix(k, prefix) {
		consider(k, v)
		typeEnd := bytes.IndexByte(k[len(prefix):], 0)
		if typeEnd < 0 {
			break
		}
		next := append(append([]byte(nil), k[:len(prefix)+typeEnd]...), 1)
		k, v = c.Seek(next)
	}
	return bestKey, bestID
}

// finish ends a delivery in a final state and tells the sender.
func (w *wtx) finish(m *store.Message, recipient string, d *delivery, state, event, detail string, now time.Time) error {
	tx := w.tx
	if state != stAcked && !m.Due.IsZero() {
		// Refused, dead or expired: the sender learns that instead; no
		// response will come to be late.
		if err := w.clearDue(m, recipient); err != nil {
			return err
		}
	}
	if d.State == stLeased {
		if err := tx.Bucket(bInflight).Delete(inflightKey(d.Until, m.ID, recipient)); err != nil {
			return err
		}
	}
	d.State = state
	if err := putDelivery(tx, m.ID, recipient, d); err != nil {
		return err
	}
	if err := addCount(tx, d.Queue, -1); err != nil {
		return err
	}
	if err := w.journal(store.Record{Time: now, Event: event, MessageID: m.ID, Sender: m.Sender, Recipient: recipient, Type: m.Type, Detail: detail}); err != nil {
		return err
	}
	return w.status(store.StatusEvent{Consumer: m.Sender, MessageID: m.ID, Recipient: recipient, Event: event, Detail: detail, Time: now})
}

// status queues a status event for a sender.
func (w *wtx) status(e store.StatusEvent) error {
	seq, err := w.next(kStatusSeq)
	if err != nil {
		return err
	}
	e.Seq = seq
	e.Time = e.Time.UTC()
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bStatus).Put(append(append([]byte(e.Consumer), 0), u64(seq)...), data)
}

// Ack implements store.Writer.
func (s *Store) Ack(ctx context.Context, recipient, messageID string, accepted bool, now time.Time) (*store.Message, error) {
	var res *store.Message
	err := s.do(ctx, func(w *wtx) error {
		res = nil
		tx := w.tx
		d, err := getDelivery(tx, messageID, recipient)
		if err != nil {
			return err
		}
		// Unacknowledged and handed out at least once: leased, or queued
		// again after its lease ran out.
		if d == nil || d.Attempts == 0 || d.final() {
			return fmt.Errorf("%w: no unacknowledged message %s leased to %s", store.ErrNotFound, messageID, recipient)
		}
		m, err := loadMessage(tx, messageID, false)
		if err != nil {
			return err
		}
		if d.State == stQueued {
			if err := tx.Bucket(bReady).Delete(readyKey(d.Queue, d.Type, d.Seq)); err != nil {
				return err
			}
		}
		state, event, detail := stAcked, store.EventAcked, fmt.Sprintf("accepted after %d attempt(s)", d.Attempts)
		if !accepted {
			state, event, detail = stRefused, store.EventRefused, fmt.Sprintf("refused by %s (Ack accepted=false)", recipient)
		}
		if err := w.finish(m, recipient, d, state, event, detail, now); err != nil {
			return err
		}
		res = m
		return nil
	})
	return res, err
}

// sweepBatch bounds the work of one sweep transaction.
const sweepBatch = 1000

// Sweep implements store.Writer.
func (s *Store) Sweep(ctx context.Context, now time.Time) (store.SweepResult, error) {
	var total store.SweepResult
	for {
		var r store.SweepResult
		var n int
		err := s.do(ctx, func(w *wtx) error {
			r = store.SweepResult{}
			var err error
			n, err = w.sweep(now, &r)
			return err
		})
		if err != nil {
			return total, err
		}
		total.Redelivered += r.Redelivered
		total.DeadLettered += r.DeadLettered
		total.Expired += r.Expired
		total.Overdue += r.Overdue
		// A round takes at most sweepBatch entries, stale ones (of
		// messages already finished or pruned) among them: another round
		// follows while a round found as many.
		if n < sweepBatch {
			return total, nil
		}
	}
}

// sweep handles up to sweepBatch entries that are due by now, and says how
// many it took.
func (w *wtx) sweep(now time.Time, r *store.SweepResult) (int, error) {
	tx := w.tx
	limit := u64(uint64(now.UnixNano()))
	n := 0
	// Leases that ran out.
	type lapse struct{ key, id, recipient string }
	var lapsed []lapse
	c := tx.Bucket(bInflight).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0 && n < sweepBatch; k, _ = c.Next() {
		rest := k[8:]
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return n, fmt.Errorf("%w: inflight key", store.ErrCorrupt)
		}
		lapsed = append(lapsed, lapse{string(k), string(rest[:i]), string(rest[i+1:])})
		n++
	}
	for _, l := range lapsed {
		d, err := getDelivery(tx, l.id, l.recipient)
		if err != nil {
			return n, err
		}
		if d == nil || d.State != stLeased {
			// A stale entry (its delivery ended or was pruned): drop it.
			if err := tx.Bucket(bInflight).Delete([]byte(l.key)); err != nil {
				return n, err
			}
			continue
		}
		m, err := loadMessage(tx, l.id, false)
		if err != nil {
			return n, fmt.Errorf("%w: leased delivery %s to %s has no message: %v", store.ErrCorrupt, l.id, l.recipient, err)
		}
		if d.Attempts >= d.MaxAttempts {
			if err := w.finish(m, l.recipient, d, stDead, store.EventDeadLettered,
				fmt.Sprintf("not acknowledged after %d deliveries", d.Attempts), now); err != nil {
				return n, err
			}
			r.DeadLettered++
			continue
		}
		if !m.EOL.IsZero() && !now.Before(m.EOL) {
			// Past its end of life as well: it expires, it is not
			// queued again to expire at the next poll.
			if err := w.finish(m, l.recipient, d, stExpired, store.EventExpired, "its EOL "+m.EOL.UTC().Format(time.RFC3339)+" passed", now); err != nil {
				return n, err
			}
			r.Expired++
			continue
		}
		if err := tx.Bucket(bInflight).Delete([]byte(l.key)); err != nil {
			return n, err
		}
		d.State = stQueued
		d.Until = time.Time{}
		if err := putDelivery(tx, l.id, l.recipient, d); err != nil {
			return n, err
		}
		// Back in its place: the original arrival sequence.
		if err := tx.Bucket(bReady).Put(readyKey(d.Queue, d.Type, d.Seq), []byte(l.id)); err != nil {
			return n, err
		}
		if err := w.journal(store.Record{Time: now, Event: store.EventRedelivered, MessageID: l.id, Sender: m.Sender, Recipient: l.recipient,
			Type: m.Type, Detail: fmt.Sprintf("lease of attempt %d ran out", d.Attempts)}); err != nil {
			return n, err
		}
		w.queued = append(w.queued, d.Queue)
		r.Redelivered++
	}
	// Messages past their end of life.
	var ended [][]byte
	c = tx.Bucket(bEOL).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0 && n < sweepBatch; k, _ = c.Next() {
		ended = append(ended, append([]byte(nil), k...))
		n++
	}
	for _, k := range ended {
		id := string(k[8:])
		if err := tx.Bucket(bEOL).Delete(k); err != nil {
			return n, err
		}
		m, err := loadMessage(tx, id, false)
		if errors.Is(err, store.ErrNotFound) {
			continue // a stale entry: the message was pruned
		}
		if err != nil {
			return n, err
		}
		for _, rcp := range m.Recipients {
			d, err := getDelivery(tx, id, rcp)
			if err != nil {
				return n, err
			}
			if d == nil || d.final() {
				continue
			}
			if d.State == stQueued {
				if err := tx.Bucket(bReady).Delete(readyKey(d.Queue, d.Type, d.Seq)); err != nil {
					return n, err
				}
			}
			if err := w.finish(m, rcp, d, stExpired, store.EventExpired, "its EOL "+m.EOL.UTC().Format(time.RFC3339)+" passed", now); err != nil {
				return n, err
			}
			r.Expired++
		}
	}
	// Requests past their due date with no response.
	var due [][]byte
	c = tx.Bucket(bDue).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0 && n < sweepBatch; k, _ = c.Next() {
		due = append(due, append([]byte(nil), k...))
		n++
	}
	for _, k := range due {
		id, recipient, ok := bytes.Cut(k[8:], []byte{0})
		if !ok {
			return n, fmt.Errorf("%w: a due-date key", store.ErrCorrupt)
		}
		if err := tx.Bucket(bDue).Delete(k); err != nil {
			return n, err
		}
		m, err := loadMessage(tx, string(id), false)
		if err != nil {
			return n, err
		}
		if err := tx.Bucket(bOverdue).Put(deliveryKey(m.ID, string(recipient)), k[:8]); err != nil {
			return n, err
		}
		detail := fmt.Sprintf("no response from %s by %s", recipient, m.Due.UTC().Format(time.RFC3339))
		if err := w.journal(store.Record{Time: now, Event: store.EventOverdue, MessageID: m.ID, Sender: m.Sender, Recipient: string(recipient),
			Type: m.Type, Detail: detail}); err != nil {
			return n, err
		}
		if err := w.status(store.StatusEvent{Consumer: m.Sender, MessageID: m.ID, Recipient: string(recipient), Event: store.EventOverdue,
			Detail: detail, Time: now}); err != nil {
			return n, err
		}
		r.Overdue++
	}
	return n, nil
}

// dueKey orders due dates: the due time, the request, the recipient.
func dueKey(due time.Time, id, recipient string) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(due.UnixNano()))
	return append(k, deliveryKey(id, recipient)...)
}

// clearDue removes a request's due date at a recipient (and its overdue
// mark, when the answer came late).
func (w *wtx) clearDue(req *store.Message, recipient string) error {
	if err := w.tx.Bucket(bDue).Delete(dueKey(req.Due, req.ID, recipient)); err != nil {
		return err
	}
	return w.tx.Bucket(bOverdue).Delete(deliveryKey(req.ID, recipient))
}

// NextStatus implements store.Writer.
func (s *Store) NextStatus(ctx context.Context, consumer string, now time.Time) (*store.StatusEvent, error) {
	if s.nothing(func(tx *bolt.Tx) bool {
		k, _ := nextStatus(tx, consumer)
		return k == nil
	}) {
		return nil, nil
	}
	var res *store.StatusEvent
	err := s.do(ctx, func(w *wtx) error {
		res = nil
		k, v := nextStatus(w.tx, consumer)
		if k == nil {
			return nil
		}
		var e store.StatusEvent
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("%w: status event: %v", store.ErrCorrupt, err)
		}
		if err := w.tx.Bucket(bStatus).Delete(append([]byte(nil), k...)); err != nil {
			return err
		}
		if err := w.journal(store.Record{Time: now, Event: store.EventStatusSent, MessageID: e.MessageID, Sender: consumer,
			Recipient: e.Recipient, Detail: e.Event}); err != nil {
			return err
		}
		res = &e
		return nil
	})
	return res, err
}

// nextStatus is the consumer's oldest status event waiting (nil when none).
func nextStatus(tx *bolt.Tx, consumer string) (k, v []byte) {
	prefix := append([]byte(consumer), 0)
	k, v = tx.Bucket(bStatus).Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// Reject implements store.Writer.
func (s *Store) Reject(ctx context.Context, r store.Rejection) error {
	return s.do(ctx, func(w *wtx) error {
		rec := store.Record{Time: r.Time, Event: store.EventRejected, MessageID: r.MessageID, Sender: r.Sender, Type: r.Type, Detail: r.Fault}
		if r.Digest != [32]byte{} {
			rec.EnvelopeSHA256 = hex.EncodeToString(r.Digest[:])
		}
		return w.journal(rec)
	})
}

// Message implements store.Reader.
func (s *Store) Message(ctx context.Context, id string) (*store.Message, error) {
	var m *store.Message
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		m, err = loadMessage(tx, id, true)
		return err
	})
	return m, err
}

// Stats implements store.Reader.
func (s *Store) Stats(ctx context.Context, participant string) ([]store.QueueStat, error) {
	var out []store.QueueStat
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, k := range []store.Kind{store.Request, store.Response} {
			q := store.QueueName(participant, k)
			out = append(out, store.QueueStat{Queue: q, Pending: int64(getUint(tx.Bucket(bCounts), []byte(q)))})
		}
		return nil
	})
	return out, err
}

// Journal implements store.Reader.
func (s *Store) Journal(ctx context.Context, from uint64, fn func(store.Record) error) error {
	// Read in chunks, each in its own read transaction, so that a long
	// verification does not hold one transaction open.
	next := max(from, 1)
	for {
		var recs []store.Record
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bJournal).Cursor()
			for k, v := c.Seek(u64(next)); k != nil && len(recs) < 4096; k, v = c.Next() {
				r, err := store.DecodeRecord(v)
				if err != nil {
					return fmt.Errorf("record %d: %w", binary.BigEndian.Uint64(k), err)
				}
				recs = append(recs, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(recs) < 4096 {
			return nil
		}
		next = recs[len(recs)-1].Seq + 1
	}
}

// Deliveries returns the state of a message's deliveries, recipient to
// state (queued, leased, acked, refused, dead, expired), for inspection.
func (s *Store) Deliveries(ctx context.Context, id string) (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		m, err := loadMessage(tx, id, false)
		if err != nil {
			return err
		}
		for _, r := range m.Recipients {
			d, err := getDelivery(tx, id, r)
			if err != nil {
				return err
			}
			if d != nil {
				out[r] = d.State
			}
		}
		return nil
	})
	return out, err
}
