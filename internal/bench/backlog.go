package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mezhved/exchange/calendar"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// backlog: for each level, a hub whose store already holds that many
// writs queued for the bailiff service, then ingest and round trips on it.
// The round trips take the oldest messages of that queue, the backlog's.
//
// The machine's speed drifts over minutes by as much as the differences
// measured, so every larger level is measured between two runs of the
// smallest (each on a store of its own), and is set against their mean:
// the stores of the larger levels are filled first, then the runs go
// smallest, larger, smallest, next larger, smallest...
func (b *bencher) backlog(ctx context.Context) error {
	if !b.w.own {
		return fmt.Errorf("bench: a backlog needs the hub's store (not --hub)")
	}
	levels := slices.Compact(slices.Sorted(slices.Values(b.cfg.Backlog)))
	base, larger := levels[0], levels[1:]
	dirs := map[int]string{}
	// A level's run removes its store; these go too when a fill or a run
	// fails first.
	defer func() {
		for _, dir := range dirs {
			os.RemoveAll(dir)
		}
	}()
	for _, n := range larger {
		dirs[n] = b.dataDir(fmt.Sprintf("backlog-%d", n))
		if err := b.fillBacklog(ctx, dirs[n], n); err != nil {
			return err
		}
	}
	if err := b.backlogRun(ctx, base, "", ""); err != nil {
		return err
	}
	for i, n := range larger {
		if err := b.backlogRun(ctx, n, dirs[n], ""); err != nil {
			return err
		}
		if err := b.backlogRun(ctx, base, "", fmt.Sprintf(" (%d)", i+2)); err != nil {
			return err
		}
	}
	return nil
}

// backlogRun measures round trips, then ingest, on a hub whose store at dir
// holds n queued writs; with no dir, on a store of its own filled here.
// suffix tells repeated runs of a level apart.
func (b *bencher) backlogRun(ctx context.Context, n int, dir, suffix string) error {
	fill := dir == "" && n > 0
	if dir == "" {
		dir = b.dataDir(fmt.Sprintf("backlog-%d", n))
	}
	defer os.RemoveAll(dir) // a large backlog takes gigabytes, and a failed fill leaves part of one
	if fill {
		if err := b.fillBacklog(ctx, dir, n); err != nil {
			return err
		}
	}
	cs, err := b.w.signer(court)
	if err != nil {
		return err
	}
	level := thousands(int64(n)) + suffix
	p, err := b.presign(ctx, "ingest, backlog "+level, b.presignCount(0), func(int64) (body, error) {
		bd, _, err := sendRequest(cs, b.w.p.writ, nil)
		return bd, err
	})
	if err != nil {
		return err
	}
	h, err := b.startHub(ctx, hubSpec{banks: 2, data: dir})
	if err != nil {
		return err
	}
	// Round trips first: they leave the queue as they found it, where
	// ingest would add to it.
	rt, stored, err := b.roundTripOn(ctx, h, Backlog, "round trips, backlog "+level, false)
	if err != nil {
		h.stop()
		return err
	}
	in, err := b.ingestOn(ctx, h, Backlog, "ingest, backlog "+level, 0, 0, p)
	if err != nil {
		h.stop()
		return err
	}
	total := int64(n) + p.next.Load() + stored
	if err := stopHub(h, rt, total); err != nil {
		return err
	}
	in.StoreBytes, in.Stored, in.StorePerMessage = rt.StoreBytes, rt.Stored, rt.StorePerMessage
	in.Backlog, rt.Backlog = n, n
	b.rep.Results = append(b.rep.Results, *rt, *in)
	return nil
}

// fillBacklog stores n signed 4 KB writs from the court, queued for the
// bailiff service, in the store at dir, through the store's API (as the
// hub stores what it accepts, without the HTTP and the door on the way):
// each is a real envelope with its own MessageID and signature, stored
// with the fields, journal records and queue entry the hub gives it.
func (b *bencher) fillBacklog(ctx context.Context, dir string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	cs, err := b.w.signer(court)
	if err != nil {
		return err
	}
	reg, err := b.w.registry(2)
	if err != nil {
		return err
	}
	writ, _ := reg.TypeByName("writ")
	if writ == nil {
		return fmt.Errorf("bench: the registry has no writ type")
	}
	st, err := boltstore.Open(filepath.Join(dir, "mezhved.db"), nil)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			st.Close()
		}
	}()
	cal := calendar.Default()
	policy := store.Policy{Visibility: time.Minute, MaxAttempts: 5}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan *store.Message, 1024)
	var made, stored atomic.Int64
	var signers, writers sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		cancel()
	}
	for range runtime.GOMAXPROCS(0) {
		signers.Go(func() {
			for ctx.Err() == nil && made.Add(1) <= int64(n) {
				bd, id, err := sendRequest(cs, b.w.p.writ, nil)
				if err != nil {
					fail(err)
					return
				}
				raw := bd.bytes()
				now := time.Now()
				m := &store.Message{ID: id, Kind: store.Request, Sender: court, Type: writ.Name, TransactionCode: "bench",
					Received: now, Digest: sha256.Sum256(raw), Envelope: raw, Recipients: []string{bailiff},
					Due: cal.Due(now, writ.Deadline.WorkingDays, writ.Deadline.Duration)}
				select {
				case msgs <- m:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	for range 256 {
		writers.Go(func() {
			for m := range msgs {
				if _, err := st.Accept(ctx, m, policy); err != nil {
					fail(err)
					continue
				}
				stored.Add(1)
			}
		})
	}
	start := time.Now()
	t := newTally()
	stopProgress := b.prog.start(fmt.Sprintf("backlog %s: storing", thousands(int64(n))), 0, 0, t)
	stopCount := make(chan struct{})
	go func() { // the progress line counts what is stored
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		t.measuring.Store(true)
		for {
			select {
			case <-stopCount:
				return
			case <-tick.C:
				t.ok.Store(stored.Load())
			}
		}
	}()
	signers.Wait()
	close(msgs)
	writers.Wait()
	close(stopCount)
	stopProgress()
	if firstErr != nil {
		return fmt.Errorf("bench: filling the backlog: %w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	closed = true
	if err := st.Close(); err != nil {
		return err
	}
	b.prog.note("%-34s %s messages stored in %.0fs", fmt.Sprintf("backlog %s", thousands(int64(n))), thousands(stored.Load()), time.Since(start).Seconds())
	return nil
}
