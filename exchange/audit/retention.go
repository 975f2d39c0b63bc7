package audit

import (
	"context"
	"errors"
	"strconv"
	"time"

	"mezhved/store"
)

// Cut is where a retention cut can go.
type Cut struct {
	// Upto is the last record to remove: a record with a signed checkpoint.
	// Zero when nothing can be cut.
	Upto uint64
	// Messages is how many messages were received in the records cut.
	Messages int
	// Blocker says what stopped the cut from going further.
	Blocker string
}

// PlanCut finds the furthest record a retention cut may remove: every
// record before it is older than before and belongs to a message whose
// deliveries have all ended, and it carries a signed checkpoint, so that
// the remaining journal starts at a hash the hub vouched for.
func PlanCut(ctx context.Context, src Source, before time.Time) (Cut, error) {
	base, err := src.JournalBase(ctx)
	if err != nil {
		return Cut{}, err
	}
	checkpointed := map[uint64]bool{}
	if err := src.Checkpoints(ctx, func(c store.Checkpoint) error { checkpointed[c.Seq] = true; return nil }); err != nil {
		return Cut{}, err
	}
	var cut Cut
	finished := map[string]bool{}
	received := 0
	stop := errors.New("stop")
	err = src.Journal(ctx, base.Seq+1, func(r store.Record) error {
		if !r.Time.Before(before) {
			cut.Blocker = "record " + strconv.FormatUint(r.Seq, 10) + " is younger than the retention age"
			return stop
		}
		if r.MessageID != "" && r.Event != store.EventRejected {
			done, ok := finished[r.MessageID]
			if !ok {
				states, err := src.Deliveries(ctx, r.MessageID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				done = true
				for _, s := range states {
					if s == store.DeliveryQueued || s == store.DeliveryLeased {
						done = false
					}
				}
				finished[r.MessageID] = done
			}
			if !done {
				cut.Blocker = "message " + r.MessageID + " (record " + strconv.FormatUint(r.Seq, 10) + ") has a delivery still under way"
				return stop
			}
		}
		if r.Event == store.EventReceived {
			received++
		}
		if checkpointed[r.Seq] {
			cut.Upto, cut.Messages = r.Seq, received
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return Cut{}, err
	}
	return cut, nil
}
