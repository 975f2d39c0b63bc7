package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"mezhved/store"
)

var (
	bMeta       = []byte("meta")
	bMessages   = []byte("messages")
	bEnvelopes  = []byte("envelopes")
	bDeliveries = []byte("deliveries")
	bReady      = []byte("ready")
	bInflight   = []byte("inflight")
	bEOL        = []byte("eol")
	bStatus     = []byte("status")
	bCounts     = []byte("counts")
	bJournal    = []byte("journal")
	bIndex      = []byte("journal-index")
	bCheckpts   = []byte("checkpoints")
	bCerts      = []byte("certificates")
	bDue        = []byte("due")
	bOverdue    = []byte("overdue")

	kJournalSeq  = []byte("journal-seq")
	kIndexVer    = []byte("index-version")
	kJournalHash = []byte("journal-hash")
	kQueueSeq    = []byte("queue-seq")
	kStatusSeq   = []byte("status-seq")
)

// Options configure Open. nil means defaults.
type Options struct {
	// MaxBatch is the most operations one commit holds. Default 512.
	MaxBatch int
	// CommitDelay is how long the writer waits for more operations before
	// a commit when the previous commit held more than one (that is, when
	// writers are busy): fewer, larger commits cost less per operation (each
	// commit rewrites the pages it touches and syncs twice). A lone writer
	// is never delayed. Default 1ms; negative: never wait.
	CommitDelay time.Duration
	// CommitGap ends that wait early: the writer commits as soon as no
	// operation has arrived for this long, since the callers still to come
	// are then those waiting for this very commit (or none), and waiting
	// longer leaves the processors idle. Default 300µs; negative: always
	// wait the whole CommitDelay.
	CommitGap time.Duration
	// Timeout bounds waiting for the file lock at Open. Default 5s.
	Timeout time.Duration
	// ReadOnly opens the file for reading only (no writer).
	ReadOnly bool
	// OnCommit, when set, is told of every commit: how many operations it
	// held and how long it took, fsync included (metrics).
	OnCommit func(ops int, d time.Duration)
	// Notify, when set, is called after each commit with the queues that
	// received messages (for long polling).
	Notify func(queues []string)
	// OnPollExpired, when set, is told after a commit of the deliveries a
	// poll (Lease) found past their EOL and expired on the spot (metrics:
	// the sweep's expiries are in its result).
	OnPollExpired func(n int)
	// OpenFile replaces os.OpenFile (to inject failures in tests).
	OpenFile func(string, int, os.FileMode) (*os.File, error)
	// NoSync skips fsync. Only for tests that measure something else.
	NoSync bool
}

// Store is a bbolt-backed store.Store.
type Store struct {
	db   *bolt.DB
	opts Options
	ops  chan *op
	done chan struct{}
	// mu orders sends on ops against Close: senders hold it for reading
	// while they send, Close for writing while it closes ops.
	mu     sync.RWMutex
	closed bool

	// head of the journal, owned by the writer goroutine.
	seq  uint64
	hash string
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the store file at path.
func Open(path string, opts *Options) (*Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.CommitDelay == 0 {
		o.CommitDelay = time.Millisecond
	}
	if o.CommitGap == 0 {
		o.CommitGap = 300 * time.Microsecond
	}
	bo := &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly, NoSync: o.NoSync, FreelistType: bolt.FreelistMapType,
		InitialMmapSize: 64 << 20, OpenFile: o.OpenFile}
	db, err := bolt.Open(path, 0o600, bo)
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	s := &Store{db: db, opts: o, ops: make(chan *op, o.MaxBatch), done: make(chan struct{})}
	if !o.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bMeta, bMessages, bEnvelopes, bDeliveries, bReady, bInflight, bEOL, bStatus, bCounts, bJournal,
				bIndex, bCheckpts, bCerts, bDue, bOverdue} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return buildIndex(tx)
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("boltstore: %w", err)
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			return fmt.Errorf("%w: %s is not a mezhved store", store.ErrCorrupt, path)
		}
		s.seq = getUint(m, kJournalSeq)
		s.hash = string(m.Get(kJournalHash))
		if s.hash == "" {
			s.hash = store.GenesisHash
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	if !o.ReadOnly {
		go s.writer()
	} else {
		close(s.done)
	}
	return s, nil
}

// Close stops the writer after the operations already queued and closes the
// file.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		if !s.opts.ReadOnly {
			close(s.ops)
		}
	}
	s.mu.Unlock()
	<-s.done
	return s.db.Close()
}

// op is one write waiting for the writer.
type op struct {
	run  func(w *wtx) error
	err  error
	done chan struct{}
}

// wtx is the writer's view of one batch transaction.
type wtx struct {
	tx      *bolt.Tx
	seq     uint64
	hash    string
	queued  []string
	records int
	// pollExpired counts the deliveries Lease expired.
	pollExpired int
}

// errLogical marks an operation's own refusal, which leaves the batch intact.
func logical(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadySent) || errors.Is(err, store.ErrQueueFull) ||
		errors.Is(err, store.ErrInvalid)
}

// do queues an operation and waits for its commit.
func (s *Store) do(ctx context.Context, run func(w *wtx) error) error {
	o := &op{run: run, done: make(chan struct{})}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	select {
	case s.ops <- o:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the operation runs; wait for its outcome even if ctx
	// ends, so that the caller never reports a write that then happens.
	<-o.done
	return o.err
}

func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*op, 0, s.opts.MaxBatch)
	// Timers are reset and stopped without draining: since Go 1.23 a
	// stopped or reset timer delivers no stale value.
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	gap := time.NewTimer(time.Hour)
	gap.Stop()
	busy := false
	for first := range s.ops {
		batch = append(batch[:0], first)
		waiting := busy && s.opts.CommitDelay > 0
		if waiting {
			delay.Reset(s.opts.CommitDelay)
		}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case o, ok := <-s.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
				continue
			default:
			}
			if !waiting {
				break
			}
			var quiet <-chan time.Time
			if s.opts.CommitGap > 0 {
				gap.Reset(s.opts.CommitGap)
				quiet = gap.C
			}
			select {
			case o, ok := <-s.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			case <-quiet:
				break fill
			case <-delay.C:
				break fill
			}
		}
		delay.Stop()
		gap.Stop()
		busy = len(batch) > 1
		s.commit(batch)
	}
}

// errRefused rolls a batch back when one of its operations refused: the
// batch runs again without it, so that nothing the refused operation wrote
// before it refused is committed.
var errRefused = errors.New("boltstore: an operation of the batch refused")

// commit runs a batch in one transaction. An operation that refuses (a
// logical error: not found, already sent, a full queue, invalid) or fails
// on its own (stored data it cannot read back) gets its error and leaves
// nothing behind: the transaction is rolled back and the rest of the batch
// runs again without it. Only a failed commit fails them all.
func (s *Store) commit(batch []*op) {
	start := time.Now()
	run := batch
	for {
		refused, err := s.commitOnce(run)
		if !errors.Is(err, errRefused) {
			if err == nil && s.opts.OnCommit != nil {
				// The operations committed, not those refused on the way.
				s.opts.OnCommit(len(run), time.Since(start))
			}
			break
		}
		run = slices.DeleteFunc(slices.Clone(run), func(o *op) bool { return slices.Contains(refused, o) })
		if len(run) == 0 {
			break
		}
	}
	for _, o := range batch {
		close(o.done)
	}
}

// commitOnce runs the operations in one transaction and commits it unless
// one of them refused or failed (errRefused, with the ones that did).
func (s *Store) commitOnce(batch []*op) (refused []*op, err error) {
	w := &wtx{seq: s.seq, hash: s.hash}
	err = s.db.Update(func(tx *bolt.Tx) error {
		w.tx = tx
		// The journal's keys only grow, and each queue's ready keys grow
		// within their range (queue, type, then a sequence number): their
		// pages are filled, not split in half as bbolt does for keys that
		// may land anywhere.
		tx.Bucket(bJournal).FillPercent = 1
		tx.Bucket(bReady).FillPercent = 1
		for _, o := range batch {
			if err := o.run(w); err != nil {
				// An operation's error is its own: bbolt writes nothing to
				// the file before the commit, so what fails here is what
				// this operation read or asked for.
				if !logical(err) && !errors.Is(err, store.ErrCorrupt) {
					err = fmt.Errorf("%w: %v", store.ErrUnavailable, err)
				}
				o.err = err
				refused = append(refused, o)
			}
		}
		if len(refused) > 0 {
			return errRefused
		}
		if w.records > 0 {
			m := tx.Bucket(bMeta)
			if err := putUint(m, kJournalSeq, w.seq); err != nil {
				return err
			}
			return m.Put(kJournalHash, []byte(w.hash))
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		return refused, err
	}
	if err != nil {
		for _, o := range batch {
			o.err = fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		}
		// A failed commit may still have reached the file: when its meta
		// page was written but the write or the fsync after it reported an
		// error, bbolt shows the commit to every later transaction. Go on
		// from the journal head the database holds, not the one from
		// before the batch, so that the next records chain onto what is
		// there instead of overwriting it.
		_ = s.db.View(func(tx *bolt.Tx) error {
			m := tx.Bucket(bMeta)
			s.seq, s.hash = getUint(m, kJournalSeq), string(m.Get(kJournalHash))
			if s.hash == "" {
				s.hash = store.GenesisHash
			}
			return nil
		})
	} else {
		s.seq, s.hash = w.seq, w.hash
		if s.opts.Notify != nil && len(w.queued) > 0 {
			s.opts.Notify(w.queued)
		}
		if s.opts.OnPollExpired != nil && w.pollExpired > 0 {
			s.opts.OnPollExpired(w.pollExpired)
		}
	}
	return nil, err
}

// journal appends a record to the batch's journal.
func (w *wtx) journal(r store.Record) error {
	w.seq++
	r.Seq = w.seq
	r.Time = r.Time.UTC()
	r.Seal(w.hash)
	data, err := r.Encode()
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bJournal).Put(u64(w.seq), data); err != nil {
		return err
	}
	if err := putIndex(w.tx.Bucket(bIndex), &r); err != nil {
		return err
	}
	w.hash = r.Hash
	w.records++
	return nil
}

func (w *wtx) next(key []byte) (uint64, error) {
	m := w.tx.Bucket(bMeta)
	n := getUint(m, key) + 1
	return n, putUint(m, key, n)
}

// Encoded forms.

// Delivery states.
const (
	stQueued  = "queued"
	stLeased  = "leased"
	stAcked   = "acked"
	stRefused = "refused"
	stDead    = "dead"
	stExpired = "expired"
)

type delivery struct {
	State       string        `json:"state"`
	Queue       string        `json:"queue"`
	Type        string        `json:"type"`
	Seq         uint64        `json:"seq"`
	Attempts    int           `json:"attempts"`
	Until       time.Time     `json:"until,omitzero"`
	Visibility  time.Duration `json:"visibility"`
	MaxAttempts int           `json:"maxAttempts"`
}

func (d *delivery) final() bool {
	return d.State != stQueued && d.State != stLeased
}

func deliveryKey(id, recipient string) []byte {
	k := make([]byte, 0, len(id)+1+len(recipient))
	k = append(k, id...)
	k = append(k, 0)
	return append(k, recipient...)
}

func readyKey(queue, typ string, seq uint64) []byte {
	k := make([]byte, 0, len(queue)+len(typ)+10)
	k = append(k, queue...)
	k = append(k, 0)
	k = append(k, typ...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func inflightKey(until time.Time, id, recipient string) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(until.UnixNano()))
	return append(k, deliveryKey(id, recipient)...)
}

func eolKey(eol time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(eol.UnixNano())), id...)
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// storable reports whether t fits the store's times: Unix nanoseconds, in
// keys as unsigned integers, so from 1970 to April 2262.
func storable(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && t.Before(time.Unix(0, math.MaxInt64))
}

func getUint(b *bolt.Bucket, k []byte) uint64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, k []byte, n uint64) error { return b.Put(k, u64(n)) }

func getDelivery(tx *bolt.Tx, id, recipient string) (*delivery, error) {
	v := tx.Bucket(bDeliveries).Get(deliveryKey(id, recipient))
	if v == nil {
		return nil, nil
	}
	d, err := decodeDelivery(v)
	if err != nil {
		return nil, fmt.Errorf("%w: delivery %s to %s: %v", store.ErrCorrupt, id, recipient, err)
	}
	return d, nil
}

func putDelivery(tx *bolt.Tx, id, recipient string, d *delivery) error {
	data, err := encodeDelivery(d)
	if err != nil {
		return err
	}
	return tx.Bucket(bDeliveries).Put(deliveryKey(id, recipient), data)
}

func addCount(tx *bolt.Tx, queue string, delta int64) error {
	b := tx.Bucket(bCounts)
	n := int64(getUint(b, []byte(queue))) + delta
	if n < 0 {
		n = 0
	}
	return putUint(b, []byte(queue), uint64(n))
}

func loadMessage(tx *bolt.Tx, id string, withEnvelope bool) (*store.Message, error) {
	v := tx.Bucket(bMessages).Get([]byte(id))
	if v == nil {
		return nil, store.ErrNotFound
	}
	m, err := decodeMessage(v)
	if err != nil {
		return nil, err
	}
	if withEnvelope {
		m.Envelope = append([]byte(nil), tx.Bucket(bEnvelopes).Get([]byte(id))...)
	}
	return m, nil
}
