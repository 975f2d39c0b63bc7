package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"mezhved/adapters"
)

// load is one measured run: workers calling op, in a closed loop (each
// worker starts its next operation when the last ends) or, with a rate, in
// an open loop (operations start on a fixed schedule, whatever the answers
// do, and each one's latency counts from when it was due, so that a slow
// hub cannot hide its queueing by slowing the load down). Operations run
// through a warm-up first; only those that end within the measured window
// count.
type load struct {
	name     string
	warmup   time.Duration
	duration time.Duration
	// workers is how many operations are in flight at most.
	workers int
	// rate, when positive, is the open loop's operations per second.
	rate float64
	// op is one operation by worker w.
	op func(ctx context.Context, w int) error
	// background, when set, runs beside the workers until the run ends (the
	// consumers of a broadcast); it counts what it does in t.count.
	background func(ctx context.Context, t *tally)
	// hubPID is the process measured.
	hubPID int
	// clientProcs, when positive and the hub is not this process, is the
	// GOMAXPROCS of this process while the load runs (Config.ClientProcs).
	clientProcs int
}

// outcome is what a load measured.
type outcome struct {
	ok, failed, extra int64
	latency           Latency
	win               windowResult
	errors            string
}

func (o outcome) perSecond() float64 { return float64(o.ok) / o.win.elapsed.Seconds() }

// run runs the load and reports on the progress writer as it goes.
func (l *load) run(ctx context.Context, prog *progress) (outcome, error) {
	if l.workers <= 0 {
		l.workers = 1
	}
	if l.clientProcs > 0 && l.hubPID != os.Getpid() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(l.clientProcs))
	}
	t := newTally()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if l.background != nil {
		wg.Go(func() { l.background(ctx, t) })
	}
	start := time.Now()
	if l.rate > 0 {
		jobs := make(chan time.Time, l.workers)
		wg.Go(func() {
			defer close(jobs)
			interval := time.Duration(float64(time.Second) / l.rate)
			for k := int64(0); ; k++ {
				due := start.Add(time.Duration(k) * interval)
				if d := time.Until(due); d > 0 {
					if adapters.Sleep(ctx, d) != nil {
						return
					}
				}
				select {
				case jobs <- due:
				case <-ctx.Done():
					return
				}
			}
		})
		for w := range l.workers {
			wg.Go(func() {
				sh := t.shard()
				defer sh.flush()
				for due := range jobs {
					err := l.op(ctx, w)
					if ctx.Err() != nil {
						return
					}
					sh.done(time.Since(due), err)
				}
			})
		}
	} else {
		for w := range l.workers {
			wg.Go(func() {
				sh := t.shard()
				defer sh.flush()
				for ctx.Err() == nil {
					t0 := time.Now()
					err := l.op(ctx, w)
					if ctx.Err() != nil {
						return
					}
					sh.done(time.Since(t0), err)
				}
			})
		}
	}
	stopProgress := prog.start(l.name, l.warmup, l.duration, t)
	var o outcome
	err := adapters.Sleep(ctx, l.warmup)
	if err == nil {
		win := startWindow(l.hubPID)
		t.measuring.Store(true)
		err = adapters.Sleep(ctx, l.duration)
		t.measuring.Store(false)
		o.win = win.end()
	}
	cancel()
	wg.Wait()
	stopProgress()
	if err != nil {
		return o, err
	}
	o.ok, o.failed, o.extra = t.ok.Load(), t.failed.Load(), t.extra.Load()
	o.latency = t.latency()
	o.errors = t.errorSummary()
	if o.ok == 0 {
		if o.errors != "" {
			return o, fmt.Errorf("bench: %s: nothing succeeded: %s", l.name, o.errors)
		}
		return o, fmt.Errorf("bench: %s: nothing completed in %s", l.name, l.duration)
	}
	return o, nil
}

// progress writes a line about the run in progress every second: over
// itself on a terminal, every five seconds on anything else.
type progress struct {
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		return &progress{}
	}
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// note writes a line of its own (a phase that has no counts).
func (p *progress) note(format string, args ...any) {
	if p.w == nil {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// start reports a run until the returned function is called.
func (p *progress) start(name string, warmup, duration time.Duration, t *tally) func() {
	if p.w == nil {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		every := time.Second
		if !p.tty {
			every = 5 * time.Second
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		begin := time.Now()
		var last int64
		lastT := begin
		for {
			select {
			case <-stop:
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K")
				}
				return
			case now := <-tick.C:
				el := now.Sub(begin)
				phase := "warm-up"
				switch {
				case duration == 0:
					phase = fmt.Sprintf("%4.0fs", el.Seconds())
				case el >= warmup:
					phase = fmt.Sprintf("%4.0fs/%.0fs", (el - warmup).Seconds(), duration.Seconds())
				}
				n := t.ok.Load()
				if last == 0 && n > 0 && begin.Add(warmup).After(lastT) {
					// The measured window began since the last line: the
					// rate is over the part of the interval it covers.
					lastT = begin.Add(warmup)
				}
				rate := float64(n-last) / now.Sub(lastT).Seconds()
				last, lastT = n, now
				line := fmt.Sprintf("%-34s %-9s %9s done %8.0f/s %6s errors", name, phase, thousands(n), rate, thousands(t.failed.Load()))
				if x := t.extra.Load(); x > 0 {
					line += fmt.Sprintf(" %9s delivered", thousands(x))
				}
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(p.w, line)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}
