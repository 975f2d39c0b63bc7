package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAdapterWebhook: the dev hub, `mezhved adapter --webhook` for the
// bailiffs in front of an HTTP agency, and a writ sent with `mezhved client`
// answered through both.
func TestAdapterWebhook(t *testing.T) {
	data := t.TempDir()
	url, stop := startServe(t, data)
	defer stop()
	answer, err := os.ReadFile("../../schemas/payloads/WritAnswer.xml")
	if err != nil {
		t.Fatal(err)
	}
	agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Mezhved-Type") != "Writ" {
			http.Error(w, "only writs here", http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Write(answer)
	}))
	defer agency.Close()
	p := filepath.Join(data, "pki")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &syncBuffer{}
	go func() {
		done <- adapterMain(ctx, []string{"--hub", url, "--key", filepath.Join(p, "FSSP01.key"), "--cert", filepath.Join(p, "FSSP01.crt"),
			"--trust", p, "--hub-cert", filepath.Join(p, "hub.crt"), "--webhook", agency.URL, "--log-level", "warn"}, out, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("adapter: %v\n%s", err, out.String())
		}
	}()
	court := func(args ...string) (int, string, string) {
		return mezhved(t, "", append([]string{"client", args[0], "--hub", url, "--key", filepath.Join(p, "COURT01.key"), "--cert", filepath.Join(p, "COURT01.crt"),
			"--trust", p, "--hub-cert", filepath.Join(p, "hub.crt"), "--json"}, args[1:]...)...)
	}
	// A client that pins another certificate as the hub's refuses the
	// hub's signed acceptance.
	if code, out, errs := mezhved(t, "", "client", "send-request", "--hub", url, "--key", filepath.Join(p, "COURT01.key"), "--cert", filepath.Join(p, "COURT01.crt"),
		"--trust", p, "--hub-cert", filepath.Join(p, "FSSP01.crt"), "--payload", "../../schemas/payloads/Writ.xml"); code == 0 || !strings.Contains(errs, "not by the hub's certificate") {
		t.Fatalf("a client pinning FSSP01's certificate as the hub's: exit %d, %s %s", code, out, errs)
	}
	code, sent, errs := court("send-request", "--payload", "../../schemas/payloads/Writ.xml")
	if code != 0 {
		t.Fatalf("send-request: %s %s", sent, errs)
	}
	var md struct{ Metadata struct{ MessageID string } }
	json.Unmarshal([]byte(sent), &md)
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, got, _ := court("get-response")
		if code == 0 && strings.Contains(got, md.Metadata.MessageID) && strings.Contains(got, "WritAnswer") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer through the webhook adapter; adapter log:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAdapterUsage(t *testing.T) {
	for _, args := range [][]string{
		{"adapter"},
		{"adapter", "--hub", "http://x", "--key", "k", "--cert", "c"},
		{"adapter", "--hub", "http://x", "--key", "k", "--cert", "c", "--webhook", "http://a", "--files", "d"},
	} {
		if code, _, _ := mezhved(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestAdapterSim: `mezhved adapter --sim` runs one simulated agency in its
// own process (here: a goroutine): a bank answers an account query.
func TestAdapterSim(t *testing.T) {
	data := t.TempDir()
	url, stop := startServe(t, data)
	defer stop()
	p := filepath.Join(data, "pki")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &syncBuffer{}
	go func() {
		done <- adapterMain(ctx, []string{"--hub", url, "--key", filepath.Join(p, "BANK044525225.key"), "--cert", filepath.Join(p, "BANK044525225.crt"),
			"--sim", "BANK044525225", "--seed", "7", "--cases", "5", "--log-level", "warn"}, out, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("adapter: %v\n%s", err, out.String())
		}
	}()
	fssp := func(args ...string) (int, string, string) {
		return mezhved(t, "", append([]string{"client", args[0], "--hub", url, "--key", filepath.Join(p, "FSSP01.key"), "--cert", filepath.Join(p, "FSSP01.crt"),
			"--json"}, args[1:]...)...)
	}
	if code, sent, errs := fssp("send-request", "--payload", "../../schemas/payloads/BankAccountQuery.xml"); code != 0 {
		t.Fatalf("send-request: %s %s", sent, errs)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, got, _ := fssp("get-response")
		if code == 0 && strings.Contains(got, "BankAccountAnswer") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer from the simulated bank; its log:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
