package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/soap"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// Environment of TestKillRounds: how many rounds (default 10) and the seed
// of the kill schedule (default: the time; the test logs it).
const (
	killRoundsEnv = "MEZHVED_KILL_ROUNDS"
	killSeedEnv   = "MEZHVED_KILL_SEED"
)

// addrWriter receives a child hub's standard output and reports the
// address it listens on.
type addrWriter struct {
	mu    sync.Mutex
	buf   []byte
	found chan string
	sent  bool
}

var listenRE = regexp.MustCompile(`listening on (\S+)\n`)

func (w *addrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sent {
		w.buf = append(w.buf, p...)
		if m := listenRE.FindSubmatch(w.buf); m != nil {
			w.sent = true
			w.found <- string(m[1])
			w.buf = nil
		}
	}
	return len(p), nil
}

// killChild is a hub process under test.
type killChild struct {
	cmd   *exec.Cmd
	addr  string
	ready time.Duration // from start to a ready /readyz
}

// startKillChild starts a hub on data and waits until /readyz says it is
// ready (the store opened and writable, the keys loaded).
func startKillChild(t *testing.T, data string, within time.Duration) *killChild {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=serve --dev --data "+data+
		" --listen 127.0.0.1:0 --long-poll 500ms --visibility 2s --max-attempts 1000 --checkpoint-interval 1s --log-level error")
	w := &addrWriter{found: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &killChild{cmd: cmd}
	select {
	case c.addr = <-w.found:
	case <-time.After(within):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the hub did not listen within %s", within)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get("http://" + c.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > within {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the hub was not ready within %s (last: %v)", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.ready = time.Since(start)
	return c
}

func (c *killChild) url() string { return "http://" + c.addr + "/ws/1.1" }

// delivery is one GetRequest that returned a message: when the call was
// made and what it returned.
type delivery struct {
	id    string
	asked time.Time
	round int
}

// killLedger is what the clients saw, in the test process's clock.
type killLedger struct {
	mu        sync.Mutex
	attempted map[string]bool
	accepted  map[string]bool      // SendRequest answered with MessageMetadata
	acked     map[string]time.Time // first Ack answered without a fault
	delivered []delivery
	ackFaults map[string]int // Ack faults by name (a redelivery's Ack races the first)
}

func newKillLedger() *killLedger {
	return &killLedger{attempted: map[string]bool{}, accepted: map[string]bool{}, acked: map[string]time.Time{}, ackFaults: map[string]int{}}
}

// sender sends writs until ctx ends.
func (l *killLedger) sender(ctx context.Context, t *testing.T, c *adapters.Client, writ []byte) {
	for ctx.Err() == nil {
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(writ); err != nil {
			t.Error(err)
			return
		}
		id, _ := adapters.NewMessageID()
		l.mu.Lock()
		l.attempted[id] = true
		l.mu.Unlock()
		if _, err := c.SendRequest(ctx, &soap.RequestData{MessageID: id, Content: doc.Root()}, nil); err == nil {
			l.mu.Lock()
			l.accepted[id] = true
			l.mu.Unlock()
		}
	}
}

// receive takes one message (long poll) and acknowledges it unless skip
// says not to; it reports whether a message came.
func (l *killLedger) receive(ctx context.Context, c *adapters.Client, round int, skip bool) (bool, error) {
	asked := time.Now()
	r, err := c.GetRequest(ctx, "", "")
	if err != nil {
		return false, err
	}
	if r.Request == nil {
		return false, nil
	}
	id := r.Request.Data.MessageID
	l.mu.Lock()
	l.delivered = append(l.delivered, delivery{id: id, asked: asked, round: round})
	l.mu.Unlock()
	if skip {
		return true, nil
	}
	err = c.Ack(ctx, id, true)
	done := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		if _, ok := l.acked[id]; !ok {
			l.acked[id] = done
		}
		return true, nil
	}
	var f *soap.Fault
	if errors.As(err, &f) {
		l.ackFaults[f.Name]++
	}
	return true, nil
}

// TestKillRounds kills the hub process with SIGKILL at random moments
// while senders send writs and receivers take and acknowledge them (and
// now and then leave one unacknowledged, to be delivered again), round
// after round on the same data directory. After each kill the journal
// verifies and the next hub is ready within a deadline. At the end every
// acknowledged send is delivered and acknowledged, nothing is delivered
// that was not sent, no GetRequest made after an Ack was answered returns
// that message, and the journal shows no lease after an acknowledgement.
func TestKillRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hub processes")
	}
	rounds := 10
	if v := os.Getenv(killRoundsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q", killRoundsEnv, v)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(killSeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q", killSeedEnv, v)
		}
		seed = n
	}
	t.Logf("%d rounds, kill schedule seed %d (%s=%d to repeat it)", rounds, seed, killSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
	data := t.TempDir()
	writ, err := os.ReadFile("../../schemas/payloads/Writ.xml")
	if err != nil {
		t.Fatal(err)
	}
	const readyWithin = 30 * time.Second
	l := newKillLedger()
	var readies []time.Duration
	for round := range rounds {
		c := startKillChild(t, data, readyWithin)
		readies = append(readies, c.ready)
		court := participantClient(t, data, "COURT01", c.url())
		fssp := participantClient(t, data, "FSSP01", c.url())
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { l.sender(ctx, t, court, writ) })
		}
		for i := range 4 {
			skipRNG := rand.New(rand.NewPCG(seed, uint64(round*10+i)))
			wg.Go(func() {
				for ctx.Err() == nil {
					if _, err := l.receive(ctx, fssp, round, skipRNG.IntN(10) == 0); err != nil && ctx.Err() == nil {
						// The hub is gone (killed): wait for the round to end.
						<-ctx.Done()
					}
				}
			})
		}
		// The fault: SIGKILL at a random moment of the load.
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		c.cmd.Wait()
		cancel()
		wg.Wait()
		if code, out, errs := mezhved(t, "", "journal", "verify", "--data", data); code != 0 {
			t.Fatalf("round %d (seed %d): the journal does not verify after SIGKILL: %s %s", round, seed, out, errs)
		}
		l.mu.Lock()
		t.Logf("round %d: ready in %s; so far %d sent, %d acknowledged, %d deliveries, %d acks", round, c.ready.Round(time.Millisecond),
			len(l.attempted), len(l.accepted), len(l.delivered), len(l.acked))
		l.mu.Unlock()
	}

	// A last hub: drain the queue (leases cut short by a kill come back
	// after the visibility timeout), then stop it cleanly.
	c := startKillChild(t, data, readyWithin)
	fssp := participantClient(t, data, "FSSP01", c.url())
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := fssp.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pending := int64(0)
		for _, q := range r.Stats {
			if q.QueueName == "FSSP01:requests" {
				pending = q.Pending
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still pending after the drain's deadline", pending)
		}
		if _, err := l.receive(context.Background(), fssp, rounds, false); err != nil {
			t.Fatal(err)
		}
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("the hub did not stop cleanly on SIGTERM: %v", err)
	}
	code, out, errs := mezhved(t, "", "journal", "verify", "--data", data)
	if code != 0 {
		t.Fatalf("journal verify at the end: %s %s", out, errs)
	}

	// The invariants.
	if len(l.accepted) == 0 || len(l.acked) == 0 {
		t.Fatal("nothing was acknowledged: the load did not run")
	}
	var problems []string
	deliveredSet := map[string]int{}
	for _, d := range l.delivered {
		deliveredSet[d.id]++
		if !l.attempted[d.id] {
			problems = append(problems, fmt.Sprintf("%s delivered but never sent", d.id))
		}
		if at, ok := l.acked[d.id]; ok && d.asked.After(at) {
			problems = append(problems, fmt.Sprintf("%s delivered in round %d by a GetRequest made %s after its Ack was answered",
				d.id, d.round, d.asked.Sub(at)))
		}
	}
	st, err := boltstore.Open(filepath.Join(data, "mezhved.db"), &boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for id := range l.accepted {
		if deliveredSet[id] == 0 {
			problems = append(problems, fmt.Sprintf("%s acknowledged to its sender but never delivered", id))
			continue
		}
		states, err := st.Deliveries(ctx, id)
		if err != nil || states["FSSP01"] != store.DeliveryAcked {
			problems = append(problems, fmt.Sprintf("%s acknowledged to its sender, delivered, but ends %v (%v)", id, states, err))
		}
	}
	// The journal's own account: no lease of a message after its
	// acknowledgement.
	ackedAt := map[string]uint64{}
	receivedAt := map[string]bool{}
	leases := 0
	if err := st.Journal(ctx, 1, func(r store.Record) error {
		switch r.Event {
		case store.EventReceived:
			receivedAt[r.MessageID] = true
		case store.EventAcked:
			ackedAt[r.MessageID] = r.Seq
		case store.EventLeased, store.EventRedelivered:
			leases++
			if s, ok := ackedAt[r.MessageID]; ok {
				problems = append(problems, fmt.Sprintf("journal record %d: %s %s after its acknowledgement (record %d)", r.Seq, r.MessageID, r.Event, s))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for id := range deliveredSet {
		if !receivedAt[id] {
			problems = append(problems, fmt.Sprintf("%s delivered but the journal has no record of its receipt", id))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("seed %d: %d violations:\n%s", seed, len(problems), strings.Join(problems[:min(len(problems), 20)], "\n"))
	}
	redelivered := 0
	for _, n := range deliveredSet {
		if n > 1 {
			redelivered++
		}
	}
	sort.Slice(readies, func(i, j int) bool { return readies[i] < readies[j] })
	t.Logf("%d kills: %d sent, %d acknowledged by the hub (all delivered and acknowledged); %d deliveries of %d messages (%d delivered more than once); %d leases in the journal; Ack faults %v; ready in %s to %s",
		rounds, len(l.attempted), len(l.accepted), len(l.delivered), len(deliveredSet), redelivered, leases, l.ackFaults,
		readies[0].Round(time.Millisecond), readies[len(readies)-1].Round(time.Millisecond))
	fmt.Fprintln(os.Stderr, strings.TrimSpace(out))
}
