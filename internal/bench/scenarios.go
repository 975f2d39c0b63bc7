package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/soap"
)

// scopeHubProcess is the CPUScope of a row whose CPU figure is a hub
// process's own, apart from its clients'.
const scopeHubProcess = "the hub's own process (its clients are in the bench's)"

// addNote adds a remark to the row's note.
func (r *Result) addNote(s string) {
	if r.Note != "" {
		r.Note += "; "
	}
	r.Note += s
}

// result makes the row of a load's outcome.
func (b *bencher) result(s Scenario, name, unit string, l *load, o outcome, h runningHub) Result {
	r := Result{Scenario: string(s), Name: name, Unit: unit, Clients: l.workers, Rate: l.rate, Seconds: o.win.elapsed.Seconds(),
		Count: o.ok, Errors: o.failed, ErrorSummary: o.errors, PerSecond: o.perSecond(), Latency: o.latency, LatencyOf: "accept",
		Machine: o.win.machine}
	switch pid := h.pid(); {
	case pid == 0:
		r.CPUScope = "not measured (an external hub)"
	case pid == os.Getpid():
		r.CPUScope = "the bench's process: the hub and its clients together"
	default:
		r.CPUScope = scopeHubProcess
		r.ClientCPUPerOp = 1000 * o.win.benchCPU.Seconds() / float64(max(1, o.ok))
		// Clients on few processors could be what limits the run.
		if used := o.win.benchCPU.Seconds() / o.win.elapsed.Seconds(); l.clientProcs > 0 && used > 0.8*float64(l.clientProcs) {
			r.addNote(fmt.Sprintf("the clients used %.2f of their %d processor(s): the rate may be theirs, not the hub's (raise --client-procs)", used, l.clientProcs))
		}
	}
	if h.pid() != 0 {
		r.CPUPerOp = 1000 * o.win.hubCPU.Seconds() / float64(max(1, o.ok))
		r.PeakRSS = float64(o.win.hwm) / (1 << 20)
		r.PeakAnon = float64(o.win.peakAnon) / (1 << 20)
	}
	return r
}

// stopHub stops a run's hub and records its store's size per message.
func stopHub(h runningHub, r *Result, stored int64) error {
	err := h.stop()
	if n := diskSize(h.storeFile()); n > 0 && stored > 0 {
		r.StoreBytes, r.Stored = n, stored
		r.StorePerMessage = float64(n) / float64(stored)
	}
	return err
}

// ingest: signed 4 KB writs from the court, as fast as the hub takes them,
// then at half that rate.
func (b *bencher) ingest(ctx context.Context) error {
	signer, err := b.w.signer(court)
	if err != nil {
		return err
	}
	writ := func(int64) (body, error) {
		bd, _, err := sendRequest(signer, b.w.p.writ, nil)
		return bd, err
	}
	r, err := b.ingestRun(ctx, "ingest", 0, 2, writ)
	if err != nil {
		return err
	}
	b.maxIngest = r.PerSecond
	half := r.PerSecond / 2
	_, err = b.ingestRun(ctx, fmt.Sprintf("ingest at 50%% (%s/s)", thousands(int64(half))), half, 2, writ)
	return err
}

// ingestRun measures one ingest run on a new hub: closed loop with the
// configured clients, or an open loop at rate.
func (b *bencher) ingestRun(ctx context.Context, name string, rate float64, banks int, build func(int64) (body, error)) (*Result, error) {
	return b.ingestRunN(ctx, name, rate, banks, build, b.presignCount(rate), 0)
}

// ingestRunN is ingestRun with n envelopes signed beforehand and, in a
// closed loop (rate 0), as many clients (0: the configured number).
func (b *bencher) ingestRunN(ctx context.Context, name string, rate float64, banks int, build func(int64) (body, error), n, clients int) (*Result, error) {
	p, err := b.presign(ctx, name, n, build)
	if err != nil {
		return nil, err
	}
	h, err := b.startHub(ctx, hubSpec{banks: banks, data: b.dataDir("ingest")})
	if err != nil {
		return nil, err
	}
	r, err := b.ingestOn(ctx, h, Ingest, name, rate, clients, p)
	if err != nil {
		h.stop()
		return nil, err
	}
	if err := stopHub(h, r, p.next.Load()); err != nil {
		return nil, err
	}
	b.rep.Results = append(b.rep.Results, *r)
	return &b.rep.Results[len(b.rep.Results)-1], nil
}

// ingestOn posts the pool's envelopes to a running hub: at rate, or as
// fast as clients in a closed loop take them (0: the configured number).
func (b *bencher) ingestOn(ctx context.Context, h runningHub, s Scenario, name string, rate float64, clients int, p *pool) (*Result, error) {
	workers := b.cfg.Clients
	if clients > 0 {
		workers = clients
	}
	if rate > 0 {
		workers = 256 // in flight at most; the schedule decides the rate
	}
	ps := &poster{url: h.endpoint(), hc: newHTTPClient(workers)}
	l := &load{name: name, warmup: b.cfg.Warmup, duration: b.cfg.Duration, workers: workers, rate: rate, hubPID: h.pid(), clientProcs: b.cfg.ClientProcs,
		op: func(ctx context.Context, _ int) error {
			bd, err := p.take()
			if err != nil {
				return err
			}
			return ps.post(ctx, bd)
		}}
	o, err := l.run(ctx, b.prog)
	if err != nil {
		return nil, err
	}
	r := b.result(s, name, "messages", l, o, h)
	if rate > 0 {
		r.Clients = 0
	}
	if n := p.late.Load(); n > 0 {
		r.addNote(fmt.Sprintf("%s envelopes were signed during the run (more than were signed before it); raise the presign rate", thousands(n)))
	}
	return &r, nil
}

// roundTrip: the court sends a writ, the bailiff service takes it,
// acknowledges it and answers, the court takes the answer and acknowledges
// it; every call signed as it is made.
func (b *bencher) roundTrip(ctx context.Context) error {
	h, err := b.startHub(ctx, hubSpec{banks: 2, data: b.dataDir("roundtrip")})
	if err != nil {
		return err
	}
	r, stored, err := b.roundTripOn(ctx, h, RoundTrip, "round trips", false)
	if err != nil {
		h.stop()
		return err
	}
	if err := stopHub(h, r, stored); err != nil {
		return err
	}
	b.rep.Results = append(b.rep.Results, *r)
	return nil
}

// roundTripOn runs round trips on a running hub; it returns the row and
// how many messages the hub stored.
func (b *bencher) roundTripOn(ctx context.Context, h runningHub, s Scenario, name string, unsigned bool) (*Result, int64, error) {
	hc := newHTTPClient(b.cfg.Conversations)
	c, err := b.participantClient(h.endpoint(), court, hc, unsigned)
	if err != nil {
		return nil, 0, err
	}
	f, err := b.participantClient(h.endpoint(), bailiff, hc, unsigned)
	if err != nil {
		return nil, 0, err
	}
	var stored atomic.Int64
	writ, answer := b.w.p.writ, b.w.p.writAnswer
	l := &load{name: name, warmup: b.cfg.Warmup, duration: b.cfg.Duration, workers: b.cfg.Conversations, hubPID: h.pid(), clientProcs: b.cfg.ClientProcs,
		op: func(ctx context.Context, _ int) error {
			if _, err := c.SendRequest(ctx, &soap.RequestData{Content: writ, TransactionCode: "bench"}, nil); err != nil {
				return err
			}
			stored.Add(1)
			req, err := takeRequest(ctx, f)
			if err != nil {
				return err
			}
			if err := f.Ack(ctx, req.Data.MessageID, true); err != nil {
				return err
			}
			if _, err := f.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: answer}, nil); err != nil {
				return err
			}
			stored.Add(1)
			resp, err := takeResponse(ctx, c)
			if err != nil {
				return err
			}
			return c.Ack(ctx, resp.Data.MessageID, true)
		}}
	o, err := l.run(ctx, b.prog)
	if err != nil {
		return nil, 0, err
	}
	r := b.result(s, name, "round trips", l, o, h)
	r.LatencyOf = "round trip"
	return &r, stored.Load(), nil
}

// takeRequest polls until a request comes (each poll waits up to the
// hub's long poll).
func takeRequest(ctx context.Context, c *adapters.Client) (*soap.DeliveredRequest, error) {
	for {
		g, err := c.GetRequest(ctx, "", "")
		if err != nil {
			return nil, err
		}
		if g.Request != nil {
			return g.Request, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

func takeResponse(ctx context.Context, c *adapters.Client) (*soap.DeliveredResponse, error) {
	for {
		g, err := c.GetResponse(ctx, "", "")
		if err != nil {
			return nil, err
		}
		if g.Response != nil {
			return g.Response, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// broadcast: the bailiff service sends bank account queries to every bank
// (the query names no BIC); each bank takes and acknowledges its copies.
// Senders wait while more than 64 copies per bank are outstanding, so that
// the run measures what the hub delivers, not how deep queues can grow.
func (b *bencher) broadcast(ctx context.Context) error {
	signer, err := b.w.signer(bailiff)
	if err != nil {
		return err
	}
	for _, n := range b.cfg.Banks {
		banks := b.w.bankList(n)
		name := fmt.Sprintf("broadcast to %d banks", len(banks))
		p, err := b.presign(ctx, name, b.presignCount(0)/max(1, len(banks)), func(int64) (body, error) {
			bd, _, err := sendRequest(signer, b.w.p.accountQuery, nil)
			return bd, err
		})
		if err != nil {
			return err
		}
		h, err := b.startHub(ctx, hubSpec{banks: n, data: b.dataDir("broadcast")})
		if err != nil {
			return err
		}
		r, err := b.broadcastOn(ctx, h, name, banks, p)
		if err != nil {
			h.stop()
			return err
		}
		if err := stopHub(h, r, p.next.Load()); err != nil {
			return err
		}
		b.rep.Results = append(b.rep.Results, *r)
	}
	return nil
}

func (b *bencher) broadcastOn(ctx context.Context, h runningHub, name string, banks []bank, p *pool) (*Result, error) {
	hc := newHTTPClient(b.cfg.Clients + len(banks))
	ps := &poster{url: h.endpoint(), hc: hc}
	var clients []*adapters.Client
	for _, bk := range banks {
		c, err := b.participantClient(h.endpoint(), bk.mnemonic, hc, false)
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	outstanding := make(chan struct{}, max(64, 2*b.cfg.Clients)*len(banks))
	l := &load{name: name, warmup: b.cfg.Warmup, duration: b.cfg.Duration, workers: b.cfg.Clients, hubPID: h.pid(), clientProcs: b.cfg.ClientProcs,
		op: func(ctx context.Context, _ int) error {
			for range banks {
				select {
				case outstanding <- struct{}{}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			bd, err := p.take()
			if err != nil {
				return err
			}
			return ps.post(ctx, bd)
		},
		background: func(ctx context.Context, t *tally) {
			done := make(chan struct{})
			for _, c := range clients {
				go func() {
					defer func() { done <- struct{}{} }()
					for ctx.Err() == nil {
						req, err := takeRequest(ctx, c)
						if err == nil {
							err = c.Ack(ctx, req.Data.MessageID, true)
						}
						if ctx.Err() != nil {
							return
						}
						if err != nil {
							t.countFailure(err)
							continue
						}
						t.count(1)
						select {
						case <-outstanding:
						default:
						}
					}
				}()
			}
			for range clients {
				<-done
			}
		}}
	o, err := l.run(ctx, b.prog)
	if err != nil {
		return nil, err
	}
	r := b.result(Broadcast, name, "broadcasts", l, o, h)
	r.Recipients = len(banks)
	r.Deliveries = o.extra
	r.DeliveriesPerSecond = float64(o.extra) / o.win.elapsed.Seconds()
	r.addNote(fmt.Sprintf("%.0f copies delivered and acknowledged per second (each a signed GetRequest and a signed Ack by its bank)", r.DeliveriesPerSecond))
	return &r, nil
}

// recipients: bank account queries routed by BIC over n banks' queues,
// taken in turn, as fast as the hub takes them.
func (b *bencher) recipients(ctx context.Context) error {
	signer, err := b.w.signer(bailiff)
	if err != nil {
		return err
	}
	for _, n := range b.cfg.Recipients {
		banks := b.w.bankList(n)
		queries := make([]*etree.Element, len(banks))
		for i, bk := range banks {
			queries[i] = b.w.p.accountQueryFor(bk.bic)
		}
		name := fmt.Sprintf("ingest routed over %s queues", thousands(int64(len(banks))))
		r, err := b.ingestRun(ctx, name, 0, n, func(i int64) (body, error) {
			bd, _, err := sendRequest(signer, queries[i%int64(len(queries))], nil)
			return bd, err
		})
		if err != nil {
			return err
		}
		r.Scenario = string(Recipients)
		r.Recipients = len(banks)
	}
	return nil
}

// errNoRate is returned when the mixed profile's steps have no rate to
// start from.
var errNoRate = errors.New("bench: the mixed profile reached no rate to step from")

// mixedClass is how the envelopes of one size class are made.
type mixedClass struct {
	SizeClass
	signer  soap.Signer
	content *etree.Element
	fill    *fill
	bytes   int64 // what an envelope of the class came to
}

// mixedClasses makes the profile's classes: a signed request cannot be as
// small as 2 kB (the signature with its certificate takes 1.6 kB), so the
// smallest class is the smallest request there is, the bailiff service's
// vehicle query; the others are the court's 4 KB writ with one attachment
// filling it up to the class's size.
func (b *bencher) mixedClasses() ([]*mixedClass, error) {
	cs, err := b.w.signer(court)
	if err != nil {
		return nil, err
	}
	bs, err := b.w.signer(bailiff)
	if err != nil {
		return nil, err
	}
	small, err := sample("VehicleQuery")
	if err != nil {
		return nil, err
	}
	probe, _, err := sendRequest(cs, b.w.p.writ, newFill(0))
	if err != nil {
		return nil, err
	}
	base := probe.n
	var out []*mixedClass
	for _, sc := range b.cfg.Profile {
		c := &mixedClass{SizeClass: sc, signer: cs, content: b.w.p.writ}
		switch {
		case int64(sc.Bytes) < base:
			c.signer, c.content = bs, small
		default:
			c.fill = newFill(sc.Bytes - int(base))
		}
		bd, _, err := sendRequest(c.signer, c.content, c.fill)
		if err != nil {
			return nil, err
		}
		c.bytes = bd.n
		out = append(out, c)
	}
	return out, nil
}

// mixedPresignRate is how many mixed envelopes per second of a run as
// fast as it goes are signed beforehand: the profile carries about 44 kB
// per message on average, so the hub takes far fewer than 4 KB ones.
const mixedPresignRate = 2500

// mixed: the mixed-size profile as fast as the hub takes it, then in steps
// of request rate (Config.Rates, or fractions of that rate).
func (b *bencher) mixed(ctx context.Context) error {
	classes, err := b.mixedClasses()
	if err != nil {
		return err
	}
	order := classOrder(b.cfg.Profile)
	build := func(i int64) (body, error) {
		c := classes[order[i%int64(len(order))]]
		bd, _, err := sendRequest(c.signer, c.content, c.fill)
		return bd, err
	}
	var sizes []int64
	var avg float64
	for _, c := range classes {
		sizes = append(sizes, c.bytes)
		avg += c.Share * float64(c.bytes)
	}
	note := fmt.Sprintf("sizes %s; %s B on average", describeSizes(b.cfg.Profile, sizes), thousands(int64(avg)))
	rates := b.cfg.Rates
	if len(rates) == 0 {
		r, err := b.mixedRun(ctx, "mixed sizes", 0, build, note)
		if err != nil {
			return err
		}
		if r.PerSecond <= 0 {
			return errNoRate
		}
		for _, f := range []float64{0.25, 0.5, 0.75, 1} {
			rates = append(rates, f*r.PerSecond)
		}
	}
	for _, rate := range rates {
		if _, err := b.mixedRun(ctx, fmt.Sprintf("mixed sizes at %s/s", thousands(int64(rate+0.5))), rate, build, note); err != nil {
			return err
		}
	}
	return nil
}

func (b *bencher) mixedRun(ctx context.Context, name string, rate float64, build func(int64) (body, error), note string) (*Result, error) {
	n := b.presignCount(rate)
	if rate <= 0 {
		n = b.presignCount(mixedPresignRate)
	}
	r, err := b.ingestRunN(ctx, name, rate, 2, build, n, 0)
	if err != nil {
		return nil, err
	}
	r.Scenario = string(Mixed)
	if r.Note != "" {
		note += "; " + r.Note
	}
	r.Note = note
	return r, nil
}
