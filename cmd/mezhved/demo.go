package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"mezhved/adapters"
	"mezhved/adapters/sim"
	"mezhved/adapters/sim/dataset"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// demoConfig is what `serve --demo` runs.
type demoConfig struct {
	cases int
	rate  float64
	seed  uint64
}

// runDemo runs every simulated agency against the hub at base, with the
// development PKI's keys, until the cases are done or ctx ends; it prints
// progress lines and, at the end, the summary. It returns when the
// agencies have stopped (the hub keeps serving after the cases are done).
func runDemo(ctx context.Context, d demoConfig, base, pkiDir string, out io.Writer, log *slog.Logger) error {
	ca, err := dsig.LoadCertificates(filepath.Join(pkiDir, "ca.crt"))
	if err != nil {
		return err
	}
	verifier := dsig.NewVerifier(dsig.NewTrustStore(ca), nil)
	var mu sync.Mutex
	clients := map[string]*adapters.Client{}
	var clientErr error
	client := func(m string) *adapters.Client {
		mu.Lock()
		defer mu.Unlock()
		if c := clients[m]; c != nil {
			return c
		}
		key, certs, err := pki.LoadIdentity(filepath.Join(pkiDir, m+".key"), filepath.Join(pkiDir, m+".crt"))
		if err != nil {
			clientErr = err
			return &adapters.Client{URL: base}
		}
		s, err := dsig.NewSigner(key, []*x509.Certificate{certs[0]}, dsig.ProfileSMEV)
		if err != nil {
			clientErr = err
			return &adapters.Client{URL: base}
		}
		hc, err := hubHTTPClient(base, filepath.Join(pkiDir, "ca.crt"), key, certs)
		if err != nil {
			clientErr = err
			return &adapters.Client{URL: base}
		}
		c := &adapters.Client{URL: base + "/ws/" + string(soap.V11), Version: soap.V11, Signer: s, Verifier: verifier, HTTP: hc}
		clients[m] = c
		return c
	}
	s, err := sim.New(sim.Config{Data: dataset.Generate(d.seed, d.cases), Client: client, Rate: d.rate, Logger: log})
	if err != nil {
		return err
	}
	if clientErr != nil {
		return clientErr
	}
	fmt.Fprintf(out, "demo: %d enforcement cases (seed %d) at %.3g writs per second, every agency simulated\n", d.cases, d.seed, d.rate)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	start := time.Now()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	finished := false
	for !finished {
		select {
		case <-ctx.Done():
			finished = true
		case <-s.Done():
			finished = true
		case <-tick.C:
			p := s.Progress()
			fmt.Fprintf(out, "demo %5s: writs %d, proceedings %d, queries %d/%d answered, decrees %d (executed %d, partly %d), lifted %d, closed %d, overdue %d, dead letters %d\n",
				time.Since(start).Round(time.Second), p.Writs, p.Proceedings, p.Answers, p.Queries, p.Decrees, p.Executed, p.PartlyExecuted, p.Lifted, p.Closed, p.Overdue, p.DeadLetters)
		}
	}
	select {
	case <-s.Done():
		fmt.Fprintf(out, "\ndemo: every case reached its end in %s\n", time.Since(start).Round(time.Millisecond))
		if problems := s.Check(); len(problems) > 0 {
			fmt.Fprintf(out, "demo: %d cases differ from what the data set implies; the first: %s\n", len(problems), problems[0])
		}
	default:
		fmt.Fprintln(out, "\ndemo: stopped before every case reached its end")
	}
	s.Progress().WriteTable(out)
	fmt.Fprintf(out, "\nThe journal of what happened (the hub keeps running; these work while it does):\n"+
		"  mezhved journal replay --data DIR --participant BANK044525225\n"+
		"  mezhved journal replay --data DIR --transaction <a writ number from the replay>\n"+
		"  mezhved journal verify --data DIR\n")
	stop()
	return <-done
}
