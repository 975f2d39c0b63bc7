package audit_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"mezhved/exchange/audit"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// TestRebuiltStateEqualsStore is a property test: after a long random run
// of accepts, leases, acknowledgements, refusals, sweeps (redeliveries, dead
// letters, expiries) and reopenings, the delivery state rebuilt from the
// journal alone equals the store's, delivery for delivery.
func TestRebuiltStateEqualsStore(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			path := filepath.Join(t.TempDir(), "mezhved.db")
			open := func() *boltstore.Store {
				st, err := boltstore.Open(path, &boltstore.Options{NoSync: true})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			st := open()
			defer func() { st.Close() }()
			parties := []string{"FSSP01", "GIBDD01", "FNS01", "BANK1", "BANK2"}
			now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
			var leased [][2]string
			steps := 1500
			if testing.Short() {
				steps = 300
			}
			for i := range steps {
				now = now.Add(time.Duration(rng.IntN(20)) * time.Second)
				switch op := rng.IntN(100); {
				case op < 35:
					id := fmt.Sprintf("m%d", i)
					env := []byte(id)
					n := 1 + rng.IntN(3)
					rcpt := make([]string, 0, n)
					for _, p := range rng.Perm(len(parties))[:n] {
						rcpt = append(rcpt, parties[p])
					}
					m := &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ", Received: now, Envelope: env,
						Digest: sha256.Sum256(env), Recipients: rcpt, TransactionCode: "tx"}
					if rng.IntN(4) == 0 {
						m.EOL = now.Add(time.Duration(30+rng.IntN(120)) * time.Second)
					}
					if _, err := st.Accept(ctx, m, store.Policy{Visibility: time.Duration(20+rng.IntN(60)) * time.Second, MaxAttempts: 1 + rng.IntN(3)}); err != nil {
						t.Fatal(err)
					}
				case op < 65:
					who := parties[rng.IntN(len(parties))]
					l, err := st.Lease(ctx, who, store.Request, store.Selector{}, now)
					if err != nil {
						t.Fatal(err)
					}
					if l != nil {
						leased = append(leased, [2]string{who, l.Message.ID})
					}
				case op < 85:
					if len(leased) == 0 {
						continue
					}
					// Acknowledge (or refuse) a delivery that was leased,
					// perhaps long ago: its lease may have run out since.
					k := rng.IntN(len(leased))
					l := leased[k]
					leased = append(leased[:k], leased[k+1:]...)
					_, err := st.Ack(ctx, l[0], l[1], rng.IntN(4) != 0, now)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Fatal(err)
					}
				case op < 98:
					if _, err := st.Sweep(ctx, now); err != nil {
						t.Fatal(err)
					}
					if rng.IntN(3) == 0 { // an operator redrives a dead letter
						var dead []store.DeliveryState
						st.EachDelivery(ctx, func(d store.DeliveryState) error {
							if d.State == store.DeliveryDead {
								dead = append(dead, d)
							}
							return nil
						})
						if len(dead) > 0 {
							d := dead[rng.IntN(len(dead))]
							if err := st.Redrive(ctx, d.MessageID, d.Recipient, "operator", now); err != nil {
								t.Fatal(err)
							}
						}
					}
				default:
					st.Close()
					st = open()
				}
			}
			diffs, n, err := audit.CompareState(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) > 0 {
				t.Fatalf("%d of %d deliveries differ, first: %s", len(diffs), n, diffs[0])
			}
			if n < steps/5 {
				t.Fatalf("only %d deliveries: the run did too little", n)
			}
			states := map[string]int{}
			st.EachDelivery(ctx, func(d store.DeliveryState) error { states[d.State]++; return nil })
			for _, s := range []string{store.DeliveryQueued, store.DeliveryAcked, store.DeliveryRefused, store.DeliveryDead, store.DeliveryExpired} {
				if states[s] == 0 {
					t.Errorf("no delivery ended %s: the run does not exercise it (%v)", s, states)
				}
			}
		})
	}
}
