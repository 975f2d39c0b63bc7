package boltstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"mezhved/store"
)

// indexVersion is the layout of the journal index; a store whose index is
// older (or missing) gets it rebuilt from the journal at Open.
const indexVersion = 1

// indexKey is field, value, a zero byte and the record's sequence number:
// the records of one value are contiguous and in order.
func indexKey(field string, value string, seq uint64) []byte {
	k := make([]byte, 0, 1+len(value)+1+8)
	k = append(k, field...)
	k = append(k, value...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func putIndex(b *bolt.Bucket, r *store.Record) error {
	for _, fv := range r.IndexValues() {
		if err := b.Put(indexKey(fv[0], fv[1], r.Seq), nil); err != nil {
			return err
		}
	}
	return nil
}

// buildIndex indexes the whole journal when the index is older than this
// code's.
func buildIndex(tx *bolt.Tx) error {
	m := tx.Bucket(bMeta)
	if getUint(m, kIndexVer) == indexVersion {
		return nil
	}
	if err := tx.DeleteBucket(bIndex); err != nil {
		return err
	}
	idx, err := tx.CreateBucket(bIndex)
	if err != nil {
		return err
	}
	err = tx.Bucket(bJournal).ForEach(func(k, v []byte) error {
		r, err := store.DecodeRecord(v)
		if err != nil {
			return fmt.Errorf("record %d: %w", binary.BigEndian.Uint64(k), err)
		}
		return putIndex(idx, &r)
	})
	if err != nil {
		return err
	}
	return putUint(m, kIndexVer, indexVersion)
}

// JournalBy implements store.Auditor.
func (s *Store) JournalBy(ctx context.Context, field store.IndexField, value string, fn func(store.Record) error) error {
	prefix := append([]byte{byte(field)}, value...)
	prefix = append(prefix, 0)
	var recs []store.Record
	err := s.db.View(func(tx *bolt.Tx) error {
		// Only the records the journal's walk reads, after its base, under
		// their own sequence numbers: one kept anywhere else is no record
		// the chain vouches for.
		base := store.Base{Hash: store.GenesisHash}
		if v := tx.Bucket(bMeta).Get(kBase); v != nil {
			if err := json.Unmarshal(v, &base); err != nil {
				return fmt.Errorf("%w: journal base: %v", store.ErrCorrupt, err)
			}
		}
		outside := func(key uint64, r store.Record) error {
			if key <= base.Seq || r.Seq != key {
				return fmt.Errorf("%w: a record numbered %d is kept under %d, outside the journal's records %d onwards", store.ErrCorrupt, r.Seq, key, base.Seq+1)
			}
			return nil
		}
		idx := tx.Bucket(bIndex)
		if idx == nil || getUint(tx.Bucket(bMeta), kIndexVer) != indexVersion {
			// A store written by an older version, opened read-only: scan.
			return tx.Bucket(bJournal).ForEach(func(k, v []byte) error {
				r, err := store.DecodeRecord(v)
				if err != nil {
					return fmt.Errorf("record %d: %w", binary.BigEndian.Uint64(k), err)
				}
				if err := outside(binary.BigEndian.Uint64(k), r); err != nil {
					return err
				}
				for _, fv := range r.IndexValues() {
					if fv[0] == string(field) && fv[1] == value {
						recs = append(recs, r)
						break
					}
				}
				return nil
			})
		}
		c := idx.Cursor()
		j := tx.Bucket(bJournal)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue // a longer value that shares the prefix cannot: values hold no zero byte
			}
			seq := binary.BigEndian.Uint64(k[len(prefix):])
			v := j.Get(u64(seq))
			if v == nil {
				return fmt.Errorf("%w: the index names record %d, which is missing", store.ErrCorrupt, seq)
			}
			r, err := store.DecodeRecord(v)
			if err != nil {
				return fmt.Errorf("record %d: %w", seq, err)
			}
			if err := outside(seq, r); err != nil {
				return err
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
	return nil
}

// Head implements store.Auditor.
func (s *Store) Head(ctx context.Context) (uint64, string, error) {
	var seq uint64
	var hash string
	err := s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		seq, hash = getUint(m, kJournalSeq), string(m.Get(kJournalHash))
		return nil
	})
	if hash == "" {
		hash = store.GenesisHash
	}
	return seq, hash, err
}

// AddCheckpoint implements store.Auditor.
func (s *Store) AddCheckpoint(ctx context.Context, c store.Checkpoint) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.do(ctx, func(w *wtx) error {
		v := w.tx.Bucket(bJournal).Get(u64(c.Seq))
		if v == nil {
			return fmt.Errorf("%w: checkpoint at record %d, which does not exist", store.ErrInvalid, c.Seq)
		}
		r, err := store.DecodeRecord(v)
		if err != nil {
			return err
		}
		if r.Hash != c.Hash {
			return fmt.Errorf("%w: checkpoint at record %d names another hash than the record's", store.ErrInvalid, c.Seq)
		}
		return w.tx.Bucket(bCheckpts).Put(u64(c.Seq), data)
	})
}

// Checkpoints implements store.Auditor.
func (s *Store) Checkpoints(ctx context.Context, fn func(store.Checkpoint) error) error {
	var cps []store.Checkpoint
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCheckpts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var c store.Checkpoint
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("%w: checkpoint %d: %v", store.ErrCorrupt, binary.BigEndian.Uint64(k), err)
			}
			cps = append(cps, c)
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, c := range cps {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// AddCertificates implements store.Auditor.
func (s *Store) AddCertificates(ctx context.Context, role string, ders [][]byte, at time.Time) error {
	return s.do(ctx, func(w *wtx) error {
		b := w.tx.Bucket(bCerts)
		for _, der := range ders {
			sum := sha256.Sum256(der)
			key := append([]byte(role+"\x00"), sum[:]...)
			if b.Get(key) != nil {
				continue
			}
			rec, err := json.Marshal(certRecord{DER: der, Added: at.UTC()})
			if err != nil {
				return err
			}
			if err := b.Put(key, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

type certRecord struct {
	DER   []byte    `json:"der"`
	Added time.Time `json:"added"`
}

// Certificates implements store.Auditor.
func (s *Store) Certificates(ctx context.Context, role string) ([][]byte, error) {
	var out [][]byte
	prefix := []byte(role + "\x00")
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCerts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if !bytes.HasPrefix(k, prefix) {
				return nil
			}
			var c certRecord
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("%w: certificate: %v", store.ErrCorrupt, err)
			}
			out = append(out, c.DER)
			return nil
		})
	})
	return out, err
}

// Snapshot writes a consistent copy of the whole store file to w, taken in
// one read transaction while writes go on: how a running hub lets an
// auditor verify its journal (the file itself is locked by the writer).
//
// The transaction stays open until w has taken the last byte, and while it
// is open bbolt cannot remap the file: every commit that needs the file to
// grow waits for it. w should therefore be something that does not wait on
// others, such as a local file, never a network connection.
func (s *Store) Snapshot(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// EachDelivery implements store.Auditor.
func (s *Store) EachDelivery(ctx context.Context, fn func(store.DeliveryState) error) error {
	var all []store.DeliveryState
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDeliveries).ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("%w: a delivery key without recipient", store.ErrCorrupt)
			}
			d, err := decodeDelivery(v)
			if err != nil {
				return fmt.Errorf("%w: delivery %s: %v", store.ErrCorrupt, k[:i], err)
			}
			all = append(all, store.DeliveryState{MessageID: string(k[:i]), Recipient: string(k[i+1:]), State: d.State, Attempts: d.Attempts})
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, d := range all {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

var (
	kBase = []byte("journal-base")
)

// JournalBase implements store.Auditor.
func (s *Store) JournalBase(ctx context.Context) (store.Base, error) {
	b := store.Base{Hash: store.GenesisHash}
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bMeta).Get(kBase)
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &b)
	})
	return b, err
}

// Prune implements store.Auditor.
func (s *Store) Prune(ctx context.Context, upto uint64, archive string) (store.PruneResult, error) {
	var res store.PruneResult
	err := s.do(ctx, func(w *wtx) error {
		res = store.PruneResult{}
		tx := w.tx
		meta := tx.Bucket(bMeta)
		base := store.Base{Hash: store.GenesisHash}
		if v := meta.Get(kBase); v != nil {
			if err := json.Unmarshal(v, &base); err != nil {
				return fmt.Errorf("%w: journal base: %v", store.ErrCorrupt, err)
			}
		}
		if upto <= base.Seq || upto > w.seq {
			return fmt.Errorf("%w: cannot cut the journal at record %d (it holds %d to %d)", store.ErrInvalid, upto, base.Seq+1, w.seq)
		}
		cp := tx.Bucket(bCheckpts).Get(u64(upto))
		if cp == nil {
			return fmt.Errorf("%w: record %d carries no signed checkpoint", store.ErrInvalid, upto)
		}
		j, idx := tx.Bucket(bJournal), tx.Bucket(bIndex)
		// Everything is checked before anything is deleted.
		var received []string
		var last store.Record
		c := j.Cursor()
		for k, v := c.Seek(u64(base.Seq + 1)); k != nil && binary.BigEndian.Uint64(k) <= upto; k, v = c.Next() {
			r, err := store.DecodeRecord(v)
			if err != nil {
				return err
			}
			if r.Event == store.EventReceived {
				received = append(received, r.MessageID)
			}
			last = r
		}
		if last.Seq != upto {
			return fmt.Errorf("%w: the journal has no record %d", store.ErrCorrupt, upto)
		}
		// Every message received in the cut must be finished everywhere.
		for _, id := range received {
			m, err := loadMessage(tx, id, false)
			if err != nil {
				return err
			}
			for _, rcpt := range m.Recipients {
				d, err := getDelivery(tx, id, rcpt)
				if err != nil {
					return err
				}
				if d != nil && !d.final() {
					return fmt.Errorf("%w: message %s is still %s at %s; cut before it", store.ErrInvalid, id, d.State, rcpt)
				}
			}
		}
		for k, v := c.Seek(u64(base.Seq + 1)); k != nil && binary.BigEndian.Uint64(k) <= upto; k, v = c.Seek(u64(base.Seq + 1)) {
			r, err := store.DecodeRecord(v)
			if err != nil {
				return err
			}
			for _, fv := range r.IndexValues() {
				if err := idx.Delete(indexKey(fv[0], fv[1], r.Seq)); err != nil {
					return err
				}
			}
			if err := c.Delete(); err != nil {
				return err
			}
			res.Records++
		}
		for _, id := range received {
			m, err := loadMessage(tx, id, false)
			if err != nil {
				return err
			}
			for _, rcpt := range m.Recipients {
				if err := tx.Bucket(bDeliveries).Delete(deliveryKey(id, rcpt)); err != nil {
					return err
				}
				if !m.Due.IsZero() {
					if err := w.clearDue(m, rcpt); err != nil {
						return err
					}
				}
			}
			if !m.EOL.IsZero() {
				if err := tx.Bucket(bEOL).Delete(eolKey(m.EOL, id)); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bMessages).Delete([]byte(id)); err != nil {
				return err
			}
			if err := tx.Bucket(bEnvelopes).Delete([]byte(id)); err != nil {
				return err
			}
			res.Messages++
		}
		nb, err := json.Marshal(store.Base{Seq: upto, Hash: last.Hash, Archive: archive})
		if err != nil {
			return err
		}
		return meta.Put(kBase, nb)
	})
	return res, err
}
