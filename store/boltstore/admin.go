package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"mezhved/store"
)

// Queues implements store.Auditor.
func (s *Store) Queues(ctx context.Context) ([]store.QueueInfo, error) {
	var out []store.QueueInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		ready := tx.Bucket(bReady)
		return tx.Bucket(bCounts).ForEach(func(k, v []byte) error {
			n := int64(getUint(tx.Bucket(bCounts), k))
			if n <= 0 {
				return nil
			}
			q := store.QueueInfo{Queue: string(k), Pending: n}
			if key, id := head(ready, q.Queue, nil); key != nil {
				m, err := loadMessage(tx, id, false)
				if err != nil {
					return err
				}
				q.Oldest = m.Received
			}
			out = append(out, q)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Queue < out[j].Queue })
	return out, err
}

// Redrive implements store.Auditor.
func (s *Store) Redrive(ctx context.Context, messageID, recipient, by string, now time.Time) error {
	return s.do(ctx, func(w *wtx) error {
		tx := w.tx
		d, err := getDelivery(tx, messageID, recipient)
		if err != nil {
			return err
		}
		// Only a dead letter: an expired message would expire again at its
		// next lease (its EOL has passed); its sender must send it anew.
		if d == nil || d.State != stDead {
			state := "none"
			if d != nil {
				state = d.State
			}
			return fmt.Errorf("%w: message %s to %s is not a dead letter (it is %s)", store.ErrNotFound, messageID, recipient, state)
		}
		m, err := loadMessage(tx, messageID, false)
		if err != nil {
			return err
		}
		seq, err := w.next(kQueueSeq)
		if err != nil {
			return err
		}
		prev := d.State
		d.State, d.Attempts, d.Seq, d.Until = stQueued, 0, seq, time.Time{}
		if err := putDelivery(tx, messageID, recipient, d); err != nil {
			return err
		}
		if err := tx.Bucket(bReady).Put(readyKey(d.Queue, d.Type, seq), []byte(messageID)); err != nil {
			return err
		}
		if err := addCount(tx, d.Queue, 1); err != nil {
			return err
		}
		if m.Kind == store.Request && !m.Due.IsZero() {
			// Dead, the request's due date there was cleared (no answer
			// would come); back in play, it is due again, unless the
			// recipient answered all the same.
			done, err := journaled(tx, messageID, func(r store.Record) bool {
				return r.Event == store.EventResponseLinked && r.Sender == recipient
			})
			if err != nil {
				return err
			}
			late, err := journaled(tx, messageID, func(r store.Record) bool {
				return r.Event == store.EventOverdue && r.Recipient == recipient
			})
			if err != nil {
				return err
			}
			switch {
			case done:
			case late:
				// Already overdue there (the sender was told): marked so
				// again, not made due to be found overdue a second time.
				if err := tx.Bucket(bOverdue).Put(deliveryKey(messageID, recipient), u64(uint64(m.Due.UnixNano()))); err != nil {
					return err
				}
			default:
				if err := tx.Bucket(bDue).Put(dueKey(m.Due, messageID, recipient), nil); err != nil {
					return err
				}
			}
		}
		w.queued = append(w.queued, d.Queue)
		return w.journal(store.Record{Time: now, Event: store.EventRedriven, MessageID: messageID, Sender: m.Sender, Recipient: recipient,
			Type: m.Type, Detail: fmt.Sprintf("%s, redriven by %s", prev, by)})
	})
}

// Overdue implements store.Auditor.
func (s *Store) Overdue(ctx context.Context) ([]store.OverdueRequest, error) {
	out := []store.OverdueRequest{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOverdue).ForEach(func(k, v []byte) error {
			id, rcpt, ok := bytes.Cut(k, []byte{0})
			if !ok || len(v) != 8 {
				return fmt.Errorf("%w: an overdue entry", store.ErrCorrupt)
			}
			m, err := loadMessage(tx, string(id), false)
			if err != nil {
				return err
			}
			out = append(out, store.OverdueRequest{MessageID: m.ID, Recipient: string(rcpt), Sender: m.Sender, Type: m.Type,
				Received: m.Received, Due: m.Due})
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, err
}

// journaled says whether the journal holds a record of the message id that
// matches (a response linked to a request, a request found overdue...).
func journaled(tx *bolt.Tx, id string, match func(store.Record) bool) (bool, error) {
	prefix := append([]byte{byte(store.ByMessage)}, id...)
	prefix = append(prefix, 0)
	c, j := tx.Bucket(bIndex).Cursor(), tx.Bucket(bJournal)
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		v := j.Get(k[len(prefix):])
		if v == nil {
			continue // cut from the journal with what it described
		}
		r, err := store.DecodeRecord(v)
		if err != nil {
			return false, fmt.Errorf("record %d: %w", binary.BigEndian.Uint64(k[len(prefix):]), err)
		}
		if match(r) {
			return true, nil
		}
	}
	return false, nil
}
