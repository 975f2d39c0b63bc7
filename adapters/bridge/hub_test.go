package bridge_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mezhved/adapters"
	"mezhved/adapters/bridge"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
)

func runAdapter(t *testing.T, a *adapters.Adapter) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// courtSendsWrit sends a writ from the court as a plain client and returns
// the answer that comes back through the hub.
func courtSendsWrit(t *testing.T, h *hubtest.Hub) (requestID string, answer *soap.DeliveredResponse) {
	t.Helper()
	court := h.Client("COURT01")
	md, err := court.SendRequest(context.Background(), &soap.RequestData{Content: hubtest.Payload(t, "Writ"), TransactionCode: "case-7"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for answer == nil {
		if time.Now().After(deadline) {
			t.Fatal("no answer reached the court")
		}
		r, err := court.GetResponse(context.Background(), "", "")
		if err == nil && r.Response != nil {
			answer = r.Response
		}
	}
	if err := court.Ack(context.Background(), answer.Data.MessageID, true); err != nil {
		t.Fatal(err)
	}
	return md.Metadata.MessageID, answer
}

// TestWebhookThroughHub: the bailiffs are an HTTP service behind the
// webhook bridge; the court's writ reaches it through the hub, and its
// answer reaches the court.
func TestWebhookThroughHub(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	ag := newAgency(t, status(503, ""), xmlReply(serialize(t, hubtest.Payload(t, "WritAnswer"))))
	wh := &bridge.Webhook{URL: ag.URL, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond}
	runAdapter(t, &adapters.Adapter{Client: h.Client("FSSP01"), Requests: map[string]adapters.RequestHandler{"Writ": wh.RequestHandler()}})

	id, answer := courtSendsWrit(t, h)
	if answer.OriginalMessageID != id || answer.Data.Content == nil || answer.Data.Content.Tag != "WritAnswer" ||
		answer.Data.Content.FindElement("Accepted/ProceedingNumber").Text() != "12345/24/77001-ИП" {
		t.Fatalf("answer %+v", answer)
	}
	hd, body := ag.last()
	if hd.Get("X-Mezhved-Message-ID") != id || hd.Get("X-Mezhved-Sender") != "COURT01" || hd.Get("X-Mezhved-Type") != "Writ" ||
		hd.Get("X-Mezhved-Transaction-Code") != "case-7" || len(body) == 0 {
		t.Fatalf("the agency got %v", hd)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, _ := h.Store.Deliveries(context.Background(), id)
		if d["FSSP01"] == "acked" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the writ's delivery is %q, not acknowledged", d["FSSP01"])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFilesThroughHub: the bailiffs are a program that reads the outbox and
// writes the inbox.
func TestFilesThroughHub(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	dir := t.TempDir()
	fb := &bridge.Files{Dir: dir, Wait: 10 * time.Second, Poll: 10 * time.Millisecond}
	runAdapter(t, &adapters.Adapter{Client: h.Client("FSSP01"), Requests: map[string]adapters.RequestHandler{"Writ": fb.RequestHandler()}})

	answer := serialize(t, hubtest.Payload(t, "WritAnswer"))
	go func() {
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			found, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.xml"))
			for _, f := range found {
				id := filepath.Base(f[:len(f)-len(".xml")])
				tmp := filepath.Join(dir, "inbox", id+".xml.tmp")
				if os.WriteFile(tmp, []byte(answer), 0o600) == nil {
					os.Rename(tmp, filepath.Join(dir, "inbox", id+".xml"))
				}
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()

	id, got := courtSendsWrit(t, h)
	if got.OriginalMessageID != id || got.Data.Content == nil || got.Data.Content.Tag != "WritAnswer" {
		t.Fatalf("answer %+v", got)
	}
	for _, name := range []string{id + ".answer.xml", id + ".request.xml", id + ".request.json"} {
		if _, err := os.Stat(filepath.Join(dir, "done", name)); err != nil {
			t.Error(err)
		}
	}
}
