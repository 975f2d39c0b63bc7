package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// childEnv, when set, makes the test binary run `mezhved` with these
// arguments instead of the tests: the crash test's hub process.
const childEnv = "MEZHVED_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(run(strings.Fields(args), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is a hub process.
func participantClient(t *testing.T, data, who, url string) *adapters.Client {
	t.Helper()
	p := filepath.Join(data, "pki")
	key, certs, err := pki.LoadIdentity(filepath.Join(p, who+".key"), filepath.Join(p, who+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := dsig.LoadCertificates(filepath.Join(p, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	return &adapters.Client{URL: url, Signer: s, Verifier: dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{ca[0]}), nil),
		HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// TestCrashLosesNothing kills the hub with SIGKILL under concurrent load,
// several times: every SendRequest that got its SendRequestResponse is
// delivered after a restart, nothing is delivered that was not sent, and the
// journal verifies.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hub processes")
	}
	data := t.TempDir()
	writ, err := os.ReadFile("../../schemas/payloads/Writ.xml")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	attempted := map[string]bool{}
	acknowledged := map[string]bool{}
	rng := rand.New(rand.NewPCG(7, 11))

	const rounds = 3
	for round := range rounds {
		c := startHubProcessAt(t, data, "error")
		court := participantClient(t, data, "COURT01", c.url())
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for ctx.Err() == nil {
					doc := etree.NewDocument()
					if err := doc.ReadFromBytes(writ); err != nil {
						t.Error(err)
						return
					}
					id, _ := adapters.NewMessageID()
					mu.Lock()
					attempted[id] = true
					mu.Unlock()
					_, err := court.SendRequest(ctx, &soap.RequestData{MessageID: id, Content: doc.Root()}, nil)
					if err == nil {
						mu.Lock()
						acknowledged[id] = true
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(300+rng.IntN(700)) * time.Millisecond)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		c.wait()
		cancel()
		wg.Wait()
		mu.Lock()
		t.Logf("round %d: %d sent, %d acknowledged so far", round, len(attempted), len(acknowledged))
		mu.Unlock()
	}

	// Restart, drain the bailiff's queue, and compare.
	c := startHubProcessAt(t, data, "error")
	fssp := participantClient(t, data, "FSSP01", c.url())
	delivered := map[string]bool{}
	for {
		r, err := fssp.GetRequest(context.Background(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Request == nil {
			break
		}
		id := r.Request.Data.MessageID
		if delivered[id] {
			t.Fatalf("%s delivered twice", id)
		}
		delivered[id] = true
		if err := fssp.Ack(context.Background(), id, true); err != nil {
			t.Fatal(err)
		}
	}
	var lost, invented []string
	for id := range acknowledged {
		if !delivered[id] {
			lost = append(lost, id)
		}
	}
	for id := range delivered {
		if !attempted[id] {
			invented = append(invented, id)
		}
	}
	if len(lost) > 0 || len(invented) > 0 {
		t.Fatalf("%d acknowledged messages lost (%v), %d delivered that were never sent (%v)", len(lost), lost, len(invented), invented)
	}
	if len(acknowledged) == 0 {
		t.Fatal("no request was acknowledged: the load did not run")
	}
	t.Logf("%d acknowledged, %d delivered after %d kills", len(acknowledged), len(delivered), rounds)
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.wait(); err != nil {
		t.Fatalf("the hub did not stop cleanly on SIGTERM: %v", err)
	}
	code, out, errs := mezhved(t, "", "journal", "verify", "--data", data)
	if code != 0 {
		t.Fatalf("journal verify after the crashes: %s %s", out, errs)
	}
	fmt.Fprintln(os.Stderr, strings.TrimSpace(out))
}
