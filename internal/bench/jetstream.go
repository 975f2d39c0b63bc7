package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mezhved/adapters"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// envelope is an envelope with its MessageID.
type envelope struct {
	raw []byte
	id  string
}

// envelopes makes the comparison's envelopes: unsigned, they differ only
// in their MessageID, so each is the first with a fresh one in its place,
// made as it is sent for the cost of a copy.
type envelopes struct {
	tmpl []byte
	at   int // where the MessageID is in tmpl
	n    int // its length
}

func newEnvelopes(raw []byte, id string) (*envelopes, error) {
	at := bytes.Index(raw, []byte(id))
	if at < 0 || bytes.Count(raw, []byte(id)) != 1 {
		return nil, fmt.Errorf("bench: the MessageID is not in the envelope once")
	}
	return &envelopes{tmpl: raw, at: at, n: len(id)}, nil
}

func (e *envelopes) next() (envelope, error) {
	id, err := adapters.NewMessageID()
	if err != nil {
		return envelope{}, err
	}
	if len(id) != e.n {
		return envelope{}, fmt.Errorf("bench: a MessageID of %d bytes, not %d", len(id), e.n)
	}
	raw := bytes.Clone(e.tmpl)
	copy(raw[e.at:], id)
	return envelope{raw: raw, id: id}, nil
}

// jetStream compares the hub's durable queue with NATS JetStream: the same
// envelopes (SendRequests of the court's writ, unsigned, about 2 KB), the
// same number of publishers and of consumers at each level of
// Config.QueueClients, publish then consume then acknowledge, every
// message durable before its publisher is answered; each peer is then
// taken at the level where it was fastest.
// Three peers, each in the bench's process with its clients: the hub over
// HTTP with every signature off (calls unsigned, the hub signing nothing:
// hub.Config.BenchUnsigned), the hub's store alone (Accept, Lease, Ack),
// and JetStream embedded (file storage, fsync on every write, a durable
// pull consumer with explicit acks).
func (b *bencher) jetStream(ctx context.Context) error {
	if !b.w.own {
		return fmt.Errorf("bench: the comparison runs its own hub (not --hub)")
	}
	first, firstID, err := sendRequest(nil, b.w.p.writ, nil)
	if err != nil {
		return err
	}
	envs, err := newEnvelopes(first.bytes(), firstID)
	if err != nil {
		return err
	}
	// At each level JetStream runs first and last, the hub and its store
	// between: the machine's speed drifts over a minute by as much as the
	// gap measured, so each is set against the mean of the two JetStream
	// runs.
	cmp := &Comparison{EnvelopeBytes: len(envs.tmpl)}
	for _, n := range b.cfg.QueueClients {
		l := Level{Clients: n}
		suffix := fmt.Sprintf(", %d clients", n)
		peers := []struct {
			label string
			into  *Result
			run   func(context.Context) (Result, error)
		}{
			{"jetstream", &l.JetStream, func(ctx context.Context) (Result, error) {
				return b.queueJetStream(ctx, envs, n, "NATS JetStream (fsync always)"+suffix, "queue-jetstream")
			}},
			{"hub", &l.Hub, func(ctx context.Context) (Result, error) { return b.queueHub(ctx, envs, n, suffix) }},
			{"store", &l.Store, func(ctx context.Context) (Result, error) { return b.queueStore(ctx, envs, n, suffix) }},
			{"jetstream", &l.JetStreamAfter, func(ctx context.Context) (Result, error) {
				return b.queueJetStream(ctx, envs, n, "NATS JetStream again"+suffix, "queue-jetstream-again")
			}},
		}
		for _, p := range peers {
			// The peer's goroutines, and those they start, carry its name
			// in a CPU profile of the bench (go tool pprof -tagfocus
			// peer=hub).
			var err error
			pprof.Do(ctx, pprof.Labels("peer", p.label), func(ctx context.Context) {
				*p.into, err = p.run(ctx)
			})
			if err != nil {
				return err
			}
		}
		cmp.Levels = append(cmp.Levels, l)
	}
	cmp.ratios()
	cmp.Notes = []string{
		fmt.Sprintf("clients: publishers, and as many consumers, at each level; publishers wait while %d messages each are published and not yet consumed; the rate is of messages consumed and acknowledged in the window.", queueDepth),
		"each at its best: the ratio of the hub's highest rate over the levels to JetStream's highest (the mean of a level's two runs). JetStream fsyncs each write, so its rate is bounded by the disk's fsyncs per second and stops rising with a few publishers; the hub commits the calls in flight with one fsync, so its rate rises with them while the processors allow.",
		"hub: SendRequest, GetRequest (long poll), Ack over HTTP; unsigned calls (the participant named in a header) and no hub signatures, so no signature work at all; the door still parses and validates against the schemas.",
		"store: the hub's store without the hub: Accept, Lease, Ack; a commit wakes waiting consumers.",
		"JetStream: nats-server in process, one stream (file storage, limits retention like the hub's, which keeps what was acknowledged), sync_interval always (fsync on every write); js.Publish waits for the PubAck; a durable pull consumer fetching up to 64 messages a pull (a GetRequest carries one), explicit acks confirmed by the server (DoubleAck). Its consumer's ack state is written back asynchronously, where the hub commits every Ack (fsync) before answering.",
		"CPU ms/msg is the bench process's (the peer and its clients) per message consumed.",
	}
	b.rep.JetStream = cmp
	return nil
}

// consumer is one consumer goroutine's poll-and-acknowledge (errEmpty when
// it found nothing) and what ends it.
type consumer struct {
	consume func(ctx context.Context) error
	stop    func()
}

// queueLoad runs publishers and consumers (each made by newConsumer)
// against one peer. Publishers wait while queueDepth messages are
// published and not yet consumed, so that the run measures what the peer
// carries from end to end, not how fast a queue can grow.
func (b *bencher) queueLoad(ctx context.Context, name string, clients int, publish func(ctx context.Context) error, newConsumer func() (consumer, error)) (Result, error) {
	outstanding := make(chan struct{}, queueDepth*clients)
	l := &load{name: name, warmup: b.cfg.Warmup, duration: b.cfg.Duration, workers: clients, hubPID: os.Getpid(),
		op: func(ctx context.Context, _ int) error {
			select {
			case outstanding <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			err := publish(ctx)
			if err != nil {
				// Give the slot back, unless a consumer took it: a publish
				// cut short as the run ends may still have stored the
				// message, and a consumer counted it off. Waiting for a
				// slot then would wait for ever.
				select {
				case <-outstanding:
				default:
				}
			}
			return err
		},
		background: func(ctx context.Context, t *tally) {
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					c, err := newConsumer()
					if err != nil {
						t.fail(err)
						return
					}
					if c.stop != nil {
						defer c.stop()
					}
					for ctx.Err() == nil {
						err := c.consume(ctx)
						if ctx.Err() != nil {
							return
						}
						if errors.Is(err, errEmpty) {
							continue
						}
						if err != nil {
							t.countFailure(err)
							continue
						}
						select {
						case <-outstanding:
						default:
						}
						t.count(1)
					}
				})
			}
			wg.Wait()
		}}
	o, err := l.run(ctx, b.prog)
	if err != nil {
		return Result{}, err
	}
	r := Result{Scenario: string(JetStream), Name: name, Unit: "messages", Clients: clients, Seconds: o.win.elapsed.Seconds(),
		Count: o.ok, Errors: o.failed, ErrorSummary: o.errors, PerSecond: o.perSecond(), Deliveries: o.extra,
		DeliveriesPerSecond: float64(o.extra) / o.win.elapsed.Seconds(), Latency: o.latency, LatencyOf: "publish",
		CPUScope: "the bench's process: the peer and its clients", Machine: o.win.machine}
	r.CPUPerOp = 1000 * o.win.hubCPU.Seconds() / float64(max(1, o.extra))
	return r, nil
}

// queueDepth is how many messages per publisher may wait in a queue of
// the comparison.
const queueDepth = 16

// errEmpty is a consumer's poll that found nothing.
var errEmpty = errors.New("bench: nothing to consume")

func (b *bencher) queueHub(ctx context.Context, envs *envelopes, clients int, suffix string) (Result, error) {
	h, err := b.startHub(ctx, hubSpec{banks: 2, data: b.dataDir("queue-hub"), unsigned: true})
	if err != nil {
		return Result{}, err
	}
	defer h.stop()
	hc := newHTTPClient(2 * clients)
	ps := &poster{url: h.endpoint(), hc: hc, participant: court}
	return b.queueLoad(ctx, "hub, signatures off (HTTP)"+suffix, clients,
		func(ctx context.Context) error {
			e, err := envs.next()
			if err != nil {
				return err
			}
			return ps.post(ctx, oneBody(e.raw))
		},
		func() (consumer, error) {
			sc, err := newSOAPConsumer(&poster{url: h.endpoint(), hc: hc, participant: bailiff})
			if err != nil {
				return consumer{}, err
			}
			return consumer{consume: sc.consume}, nil
		})
}

// notifier wakes consumers when a commit queued messages.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) notify([]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

func (b *bencher) queueStore(ctx context.Context, envs *envelopes, clients int, suffix string) (Result, error) {
	dir := b.dataDir("queue-store")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Result{}, err
	}
	var wake notifier
	st, err := boltstore.Open(filepath.Join(dir, "mezhved.db"), &boltstore.Options{Notify: wake.notify})
	if err != nil {
		return Result{}, err
	}
	defer st.Close()
	policy := store.Policy{Visibility: time.Minute, MaxAttempts: 5}
	return b.queueLoad(ctx, "hub's store alone (in process)"+suffix, clients,
		func(ctx context.Context) error {
			e, err := envs.next()
			if err != nil {
				return err
			}
			_, err = st.Accept(ctx, &store.Message{ID: e.id, Kind: store.Request, Sender: court, Type: "writ", Received: time.Now(),
				Digest: sha256.Sum256(e.raw), Envelope: e.raw, Recipients: []string{bailiff}}, policy)
			return err
		},
		func() (consumer, error) {
			return consumer{consume: func(ctx context.Context) error {
				woken := wake.wait()
				l, err := st.Lease(ctx, bailiff, store.Request, store.Selector{}, time.Now())
				if err != nil {
					return err
				}
				if l == nil {
					select {
					case <-woken:
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
					return errEmpty
				}
				_, err = st.Ack(ctx, bailiff, l.Message.ID, true, time.Now())
				return err
			}}, nil
		})
}

// queueJetStream runs JetStream with clients publishers and as many
// consumers, under a name, in a store directory of its own.
func (b *bencher) queueJetStream(ctx context.Context, envs *envelopes, clients int, name, dir string) (Result, error) {
	dir = b.dataDir(dir)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, SyncAlways: true,
		NoLog: true, NoSigs: true, MaxPayload: 8 << 20})
	if err != nil {
		return Result{}, err
	}
	ns.Start()
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	}()
	if !ns.ReadyForConnections(30 * time.Second) {
		return Result{}, errors.New("bench: the JetStream server did not start")
	}
	pub, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return Result{}, err
	}
	defer pub.Close()
	sub, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return Result{}, err
	}
	defer sub.Close()
	js, err := jetstream.New(pub)
	if err != nil {
		return Result{}, err
	}
	const subject = "bench.requests"
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BENCH", Subjects: []string{subject}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Replicas: 1}); err != nil {
		return Result{}, fmt.Errorf("bench: JetStream stream: %w", err)
	}
	jsSub, err := jetstream.New(sub)
	if err != nil {
		return Result{}, err
	}
	cons, err := jsSub.CreateOrUpdateConsumer(ctx, "BENCH", jetstream.ConsumerConfig{Durable: bailiff, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: time.Minute, MaxDeliver: 5, MaxAckPending: 64 * clients})
	if err != nil {
		return Result{}, fmt.Errorf("bench: JetStream consumer: %w", err)
	}
	return b.queueLoad(ctx, name, clients,
		func(ctx context.Context) error {
			e, err := envs.next()
			if err != nil {
				return err
			}
			_, err = js.Publish(ctx, subject, e.raw)
			return err
		},
		func() (consumer, error) {
			// One message iterator per consumer goroutine.
			it, err := cons.Messages(jetstream.PullMaxMessages(64))
			if err != nil {
				return consumer{}, err
			}
			return consumer{stop: it.Stop, consume: func(ctx context.Context) error {
				msg, err := it.Next(jetstream.NextContext(ctx))
				if err != nil {
					return err
				}
				return msg.DoubleAck(ctx)
			}}, nil
		})
}
