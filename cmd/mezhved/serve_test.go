package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `mezhved serve --dev` in process on 127.0.0.1:0 and
// returns its base URL and a function that stops it.
func startServe(t *testing.T, data string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{dev: true, data: data, listen: "127.0.0.1:0", maxEnvelope: 10 << 20, longPoll: -1,
			visibility: time.Minute, maxAttempts: 5, queueLimit: 1000, staleAfter: time.Hour}, out, slog.New(slog.DiscardHandler))
	}()
	re := regexp.MustCompile(`listening on (\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return "http://" + m[1], func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve: %v", err)
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeClientJournal: the dev hub, the client commands through a
// request and its response, then journal verify on the stopped hub, and a
// tampered record found.
func TestServeClientJournal(t *testing.T) {
	data := t.TempDir()
	url, stop := startServe(t, data)
	p := filepath.Join(data, "pki")
	as := func(who string, args ...string) []string {
		return append([]string{"client", args[0], "--hub", url, "--key", filepath.Join(p, who+".key"), "--cert", filepath.Join(p, who+".crt"), "--trust", p, "--json"}, args[1:]...)
	}
	code, out, errs := mezhved(t, "", as("COURT01", "send-request", "--payload", "../../schemas/payloads/Writ.xml", "--transaction", "case-1")...)
	if code != 0 {
		t.Fatalf("send-request: %d %s %s", code, out, errs)
	}
	var sent struct{ Metadata struct{ MessageID string } }
	json.Unmarshal([]byte(out), &sent)
	code, out, errs = mezhved(t, "", as("FSSP01", "get-request")...)
	var got struct {
		Message struct{ MessageID, ReplyTo, Type string }
	}
	json.Unmarshal([]byte(out), &got)
	if code != 0 || got.Message.MessageID != sent.Metadata.MessageID || got.Message.Type != "Writ" {
		t.Fatalf("get-request: %d %s %s", code, out, errs)
	}
	if code, out, errs = mezhved(t, "", as("FSSP01", "ack", "--message-id", got.Message.MessageID)...); code != 0 {
		t.Fatalf("ack: %s %s", out, errs)
	}
	if code, out, errs = mezhved(t, "", as("FSSP01", "send-response", "--to", got.Message.ReplyTo, "--payload", "../../schemas/payloads/WritAnswer.xml")...); code != 0 {
		t.Fatalf("send-response: %s %s", out, errs)
	}
	code, out, _ = mezhved(t, "", as("COURT01", "get-response")...)
	if code != 0 || !strings.Contains(out, `"originalMessageId": "`+sent.Metadata.MessageID) {
		t.Fatalf("get-response: %s", out)
	}
	code, out, _ = mezhved(t, "", as("COURT01", "status")...)
	if code != 0 || !strings.Contains(out, "underProcessing") {
		t.Fatalf("status: %s", out)
	}
	// A fault: exit 1 with the fault in the output.
	code, out, _ = mezhved(t, "", as("FSSP01", "ack", "--message-id", "db0486d0-3c08-11e5-95e2-d4c9eff07b77")...)
	if code != 1 || !strings.Contains(out, "TargetMessageIsNotFound") {
		t.Fatalf("ack of nothing: %d %s", code, out)
	}
	// The XML form.
	code, out, _ = mezhved(t, "", strings.Fields(strings.Replace(strings.Join(as("FSSP01", "stats"), " "), " --json", "", 1))...)
	if code != 0 || !strings.Contains(out, `queueName="FSSP01:requests"`) {
		t.Fatalf("stats: %s", out)
	}
	// The conversation, replayed from the journal alone.
	code, out, errs = mezhved(t, "", "journal", "replay", "--data", data, "--transaction", "case-1")
	if code != 0 || !strings.Contains(out, "request "+sent.Metadata.MessageID) || !strings.Contains(out, "response ") ||
		!strings.Contains(out, "now: FSSP01: acked") || !strings.Contains(out, "transaction case-1") {
		t.Fatalf("journal replay: %d\n%s%s", code, out, errs)
	}
	code, out, errs = mezhved(t, "", "journal", "replay", "--data", data, "--state")
	if code != 0 || !strings.Contains(out, "state agrees") {
		t.Fatalf("journal replay --state: %d\n%s%s", code, out, errs)
	}
	if code, _, _ = mezhved(t, "", "journal", "replay", "--data", data, "--transaction", "x", "--message", "y"); code != 2 {
		t.Fatalf("two seeds: exit %d", code)
	}
	// While the hub runs, verify reads a snapshot it streams.
	code, out, errs = mezhved(t, "", "journal", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "journal intact") || !strings.Contains(errs, "snapshot") {
		t.Fatalf("journal verify of a running hub: %d %s %s", code, out, errs)
	}
	stop()

	code, out, errs = mezhved(t, "", "journal", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "journal intact") {
		t.Fatalf("journal verify: %d %s %s", code, out, errs)
	}
	// The hub signed a last checkpoint when it stopped: every record is
	// covered, and every envelope's signature re-verified.
	if !strings.Contains(out, "signed by CN=HUB") || strings.Contains(out, "not yet covered") || !strings.Contains(out, "signatures verified") {
		t.Fatalf("journal verify:\n%s", out)
	}
	// Evidence archives: a full one, and one of the conversation.
	full, sel := filepath.Join(t.TempDir(), "full.zip"), filepath.Join(t.TempDir(), "case-1.zip")
	if code, out, errs = mezhved(t, "", "journal", "export", "--data", data, "--out", full); code != 0 || !strings.Contains(out, "records 1 to") {
		t.Fatalf("journal export: %d %s %s", code, out, errs)
	}
	if code, out, errs = mezhved(t, "", "journal", "export", "--data", data, "--out", sel, "--transaction", "case-1"); code != 0 {
		t.Fatalf("journal export --transaction: %d %s %s", code, out, errs)
	}
	if code, out, errs = mezhved(t, "", "journal", "verify", "--archive", full); code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "the first of the sequence") {
		t.Fatalf("journal verify --archive: %d %s %s", code, out, errs)
	}
	if code, out, errs = mezhved(t, "", "journal", "verify", "--archive", sel); code != 0 || !strings.Contains(out, "2 envelopes") {
		t.Fatalf("journal verify --archive (selection): %d %s %s", code, out, errs)
	}
	// Nothing was signed since the full archive: no next one yet.
	if code, _, errs = mezhved(t, "", "journal", "export", "--data", data, "--out", filepath.Join(t.TempDir(), "next.zip"), "--after", full); code != 1 || !strings.Contains(errs, "not yet covered") {
		t.Fatalf("an empty next archive: %d %s", code, errs)
	}
	// Retention: nothing here is old enough to prune.
	code, out, errs = mezhved(t, "", "journal", "prune", "--data", data, "--older-than", "90d", "--archive", filepath.Join(t.TempDir(), "cut.zip"))
	if code != 0 || !strings.Contains(out, "nothing to prune: record 1 is younger") {
		t.Fatalf("journal prune: %d %s %s", code, out, errs)
	}
	if code, _, _ = mezhved(t, "", "journal", "prune", "--data", data, "--older-than", "1h", "--archive", "x.zip"); code != 2 {
		t.Fatalf("an age under a day: exit %d", code)
	}
	// Change one record: verify names it.
	db, err := bolt.Open(filepath.Join(data, "mezhved.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("journal"))
		k := []byte{0, 0, 0, 0, 0, 0, 0, 3}
		// The stored form: a format byte, the sequence number, the time
		// (length-prefixed), the event (length-prefixed), ...: change the
		// event's first letter.
		v := bytes.Clone(b.Get(k))
		n := int(binary.BigEndian.Uint32(v[9:13]))
		v[17+n] ^= 0x20
		return b.Put(k, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs = mezhved(t, "", "journal", "verify", "--data", data)
	if code != 1 || !strings.Contains(errs, "record 3") {
		t.Fatalf("tampered journal: %d %s", code, errs)
	}
}

// TestServeDemo: `serve --dev --demo` runs every simulated agency through
// the hub until every case reaches its end, prints the summary, and the
// journal it leaves verifies.
func TestServeDemo(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{dev: true, data: data, listen: "127.0.0.1:0", maxEnvelope: 10 << 20, longPoll: time.Second,
			visibility: time.Minute, maxAttempts: 5, queueLimit: 1000, staleAfter: time.Hour, demo: true,
			demoCfg: demoConfig{cases: 8, rate: 0, seed: 3}}, out, slog.New(slog.DiscardHandler))
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "proceedings closed") {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the demo did not finish:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "every case reached its end") || strings.Contains(out.String(), "differ from what the data set implies") {
		t.Fatalf("demo:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	code, verified, errs := mezhved(t, "", "journal", "verify", "--data", data)
	if code != 0 {
		t.Fatalf("journal verify after the demo: %s %s", verified, errs)
	}
	code, state, errs := mezhved(t, "", "journal", "replay", "--data", data, "--state")
	if code != 0 {
		t.Fatalf("journal replay --state after the demo: %s %s", state, errs)
	}
}
