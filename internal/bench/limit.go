package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"mezhved/exchange/calendar"
	"mezhved/exchange/dsig"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/internal/procs"
	"mezhved/schemas"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// limitWorkers is how many messages the limit's pipeline has in flight,
// and how many clients the hub's ingest between its halves has: enough
// that commits group as they do in the hub under load, and that the
// processors have work while a commit waits for its fsync.
const limitWorkers = 64

// limit measures the unavoidable work per message on the ingest
// scenario's envelopes, in this process and without HTTP: parsing,
// schema validation (envelope and payload), signature verification (the
// certificate chain cached, as the hub caches it), the hub's signed answer
// and the durable write (group commit, fsync). First each stage alone on
// one goroutine (CPU time per message), then all of them together with
// limitWorkers workers for the run's duration, in two halves with a run of
// the hub's ingest (as many clients as workers) between them: that rate
// is the limit, and the hub's ingest rate between its halves is set
// against it.
func (b *bencher) limit(ctx context.Context) error {
	if !b.w.own {
		return fmt.Errorf("bench: the limit needs the bench's own PKI and registry (not --hub)")
	}
	reg, err := b.w.registry(2)
	if err != nil {
		return err
	}
	set, err := b.w.schemas(ctx, reg)
	if err != nil {
		return err
	}
	cs, err := b.w.signer(court)
	if err != nil {
		return err
	}
	hubSigner, err := dsig.NewSigner(b.w.hubKey, b.w.hubCerts, dsig.ProfileSMEV)
	if err != nil {
		return err
	}
	verifier := dsig.NewVerifier(dsig.NewTrustStore(b.w.caCerts), nil)
	writType, _ := reg.TypeByName("writ")
	if writType == nil {
		return fmt.Errorf("bench: the registry has no writ type")
	}
	single := b.cfg.LimitSamples // messages each stage is timed over
	writ := func(int64) (body, error) {
		bd, _, err := sendRequest(cs, b.w.p.writ, nil)
		return bd, err
	}
	p, err := b.presign(ctx, "limit", single+b.presignCount(0), writ)
	if err != nil {
		return err
	}
	dir := b.dataDir("limit")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := boltstore.Open(filepath.Join(dir, "mezhved.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	w := &limitWork{set: set, verifier: verifier, signer: hubSigner, store: st, typ: writType, cal: calendar.Default()}
	raws := make([][]byte, single)
	for i := range raws {
		bd, _ := p.take()
		raws[i] = bd.bytes()
	}
	res := &LimitResult{EnvelopeBytes: len(raws[0]), Cores: procs.CPUs(), Workers: limitWorkers}
	b.prog.note("%-34s timing each stage over %s messages", "limit", thousands(int64(single)))
	stages, err := w.stages(ctx, raws)
	if err != nil {
		return err
	}
	res.Stages = stages
	for _, s := range stages {
		res.CPUMicros += s.Micros
	}
	res.CPUBound = float64(res.Cores) * 1e6 / res.CPUMicros

	// Everything together, in two halves of the run's duration with a run
	// of the hub's ingest (on envelopes signed alike) between them: the
	// machine's speed drifts over a minute by as much as the difference
	// measured, so the hub is set against the limit of the same minutes
	// (the two halves centre on the hub's run).
	var (
		ok      int64
		elapsed time.Duration
		cpu     time.Duration
		machine []Machine
	)
	half := func(i int) error {
		l := &load{name: fmt.Sprintf("limit: all stages, in process (%d/2)", i), warmup: b.cfg.Warmup, duration: b.cfg.Duration / 2,
			workers: limitWorkers, hubPID: os.Getpid(),
			op: func(ctx context.Context, _ int) error {
				bd, err := p.take()
				if err != nil {
					return err
				}
				return w.all(ctx, bd.bytes())
			}}
		o, err := l.run(ctx, b.prog)
		ok += o.ok
		elapsed += o.win.elapsed
		cpu += o.win.hubCPU
		machine = append(machine, o.win.machine)
		return err
	}
	if err := half(1); err != nil {
		return err
	}
	// The hub's run has as many messages in flight as the limit's
	// pipeline: both are measured at the same concurrency.
	hub, err := b.ingestRunN(ctx, "ingest, between the limit's halves", 0, 2, writ, b.presignCount(0)+2*limitWorkers, limitWorkers)
	if err != nil {
		return err
	}
	hub.Scenario = string(Limit)
	if err := half(2); err != nil {
		return err
	}
	res.Pipeline = float64(ok) / elapsed.Seconds()
	res.PipelineCPU = 1000 * cpu.Seconds() / float64(max(1, ok))
	res.Machine = busier(machine[0], machine[1])
	if res.Pipeline > 0 {
		res.Hub = hub.PerSecond
		res.Ratio = hub.PerSecond / res.Pipeline
		if hub.CPUPerOp > 0 && hub.CPUScope == scopeHubProcess {
			res.HubCPU = hub.CPUPerOp
			res.CPURatio = res.PipelineCPU / hub.CPUPerOp
		}
	}
	b.rep.Limit = res
	return nil
}

// limitWork is the unavoidable work on one message.
type limitWork struct {
	set      *schemas.Set
	verifier *dsig.Verifier
	signer   *dsig.Signer
	store    store.Store
	typ      *registry.MessageType
	cal      *calendar.Calendar
}

var parseOptions = &xmlsafe.Options{MaxBytes: xmlsafe.DefaultMaxBytes, MaxDepth: xmlsafe.DefaultMaxDepth}

// all does every stage for one envelope.
func (w *limitWork) all(ctx context.Context, raw []byte) error {
	doc, err := xmlsafe.Parse(raw, parseOptions)
	if err != nil {
		return err
	}
	if err := w.set.Validate(ctx, doc.UTF8); err != nil {
		return err
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		return err
	}
	if _, err := w.verifier.Verify(doc.Root(), call.Signature, call.Signed); err != nil {
		return err
	}
	m := w.message(call, raw)
	if _, err := w.store.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 5}); err != nil {
		return err
	}
	_, err = w.answer(m)
	return err
}

// message is the stored message of a writ from the court, as the hub makes
// it.
func (w *limitWork) message(call *soap.Call, raw []byte) *store.Message {
	now := time.Now()
	return &store.Message{ID: call.SendRequest.MessageID, Kind: store.Request, Sender: court, Type: w.typ.Name,
		TransactionCode: call.SendRequest.TransactionCode, Received: now, Digest: sha256.Sum256(raw), Envelope: raw,
		Recipients: []string{bailiff}, Due: w.cal.Due(now, w.typ.Deadline.WorkingDays, w.typ.Deadline.Duration)}
}

// answer is the hub's signed answer to a send, serialised.
func (w *limitWork) answer(m *store.Message) ([]byte, error) {
	md := &soap.Metadata{MessageID: m.ID, MessageType: soap.MessageTypeRequest, SenderMnemonic: m.Sender, SendingTime: m.Received,
		InteractionType: "OIV2OIV", DestinationName: bailiff, RecipientMnem: bailiff, Status: soap.StatusRequestIsQueued}
	doc, err := soap.NewAccepted(soap.V11, soap.SendRequest, md, w.signer)
	if err != nil {
		return nil, err
	}
	return soap.Marshal(doc)
}

// stages times each stage alone, on one goroutine, over raws; the write
// is timed with limitWorkers writers, as group commit needs.
func (w *limitWork) stages(ctx context.Context, raws [][]byte) ([]Stage, error) {
	n := len(raws)
	docs := make([]*xmlsafe.Document, n)
	calls := make([]*soap.Call, n)
	msgs := make([]*store.Message, n)
	var out []Stage
	timed := func(name string, workers int, fn func(i int) error) error {
		runtime.GC()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		cpu0, _ := procCPU(os.Getpid())
		var err error
		var mu sync.Mutex
		if workers <= 1 {
			for i := range n {
				if err = fn(i); err != nil {
					break
				}
			}
		} else {
			var wg sync.WaitGroup
			next := make(chan int)
			for range workers {
				wg.Go(func() {
					for i := range next {
						if e := fn(i); e != nil {
							mu.Lock()
							err = e
							mu.Unlock()
						}
					}
				})
			}
			for i := range n {
				next <- i
			}
			close(next)
			wg.Wait()
		}
		if err != nil {
			return fmt.Errorf("bench: limit, %s: %w", name, err)
		}
		cpu1, _ := procCPU(os.Getpid())
		runtime.ReadMemStats(&ms1)
		out = append(out, Stage{Name: name, Micros: float64((cpu1 - cpu0).Microseconds()) / float64(n),
			Allocs: float64(ms1.Mallocs-ms0.Mallocs) / float64(n)})
		return nil
	}
	steps := []struct {
		name    string
		workers int
		fn      func(i int) error
	}{
		{"parse (xmlsafe)", 1, func(i int) (err error) {
			docs[i], err = xmlsafe.Parse(raws[i], parseOptions)
			return err
		}},
		{"schema validation (envelope and payload)", 1, func(i int) error { return w.set.Validate(ctx, docs[i].UTF8) }},
		{"decode the call", 1, func(i int) (err error) {
			calls[i], err = soap.DecodeCall(docs[i].Root())
			return err
		}},
		{"signature verification (ECDSA P-256)", 1, func(i int) error {
			_, err := w.verifier.Verify(docs[i].Root(), calls[i].Signature, calls[i].Signed)
			return err
		}},
		{"hub's signed answer (sign, serialise)", 1, func(i int) error {
			msgs[i] = w.message(calls[i], raws[i])
			_, err := w.answer(msgs[i])
			return err
		}},
		{fmt.Sprintf("durable write (group commit, %d writers)", limitWorkers), limitWorkers, func(i int) error {
			_, err := w.store.Accept(ctx, msgs[i], store.Policy{Visibility: time.Minute, MaxAttempts: 5})
			return err
		}},
	}
	for _, s := range steps {
		if err := timed(s.name, s.workers, s.fn); err != nil {
			return nil, err
		}
	}
	return out, nil
}
