package adapters_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mezhved/adapters"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
)

// answering stands between a client and the hub and answers the calls
// whose envelope contains match itself: with answer(first), first being
// the hub's own answer to the first such call, which it forwards when
// replay is set (and answers none itself until then); the other calls it
// forwards.
type answering struct {
	match  string
	replay bool
	answer func(first []byte) []byte
	hits   atomic.Int32

	mu    sync.Mutex
	first []byte
}

func (a *answering) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte(a.match)) {
		return http.DefaultTransport.RoundTrip(r)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.replay && a.first == nil {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if a.first, err = io.ReadAll(resp.Body); err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Request: r,
			Body: io.NopCloser(bytes.NewReader(a.first)), ContentLength: int64(len(a.first))}, nil
	}
	a.hits.Add(1)
	raw := a.answer(a.first)
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}}, Request: r,
		Body: io.NopCloser(bytes.NewReader(raw)), ContentLength: int64(len(raw))}, nil
}

// unsignedAck answers with an AckResponse, which carries no signature.
func unsignedAck([]byte) []byte {
	raw, _ := soap.Marshal(soap.NewAckReply(soap.V11))
	return raw
}

// replayFirst answers with the hub's signed acceptance of the first call.
func replayFirst(first []byte) []byte { return first }

// TestSendRefusesAnAnswerToAnotherCall: a send answered with anything but
// the hub's acceptance of that very message (an unsigned answer of another
// operation, the hub's genuine acceptance of an earlier message) fails;
// it is not taken for the hub's acceptance.
func TestSendRefusesAnAnswerToAnotherCall(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	for _, tc := range []struct {
		name   string
		replay bool
		answer func([]byte) []byte
	}{{"an unsigned answer of another operation", false, unsignedAck}, {"the acceptance of an earlier message", true, replayFirst}} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.Client("COURT01")
			c.HubCertificate = h.PKI.Hub.Certificate
			c.HTTP = &http.Client{Transport: &answering{match: "SendRequestRequest", replay: tc.replay, answer: tc.answer}}
			if tc.replay {
				// The first send reaches the hub; its acceptance is replayed.
				if _, err := c.SendRequest(t.Context(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil); err != nil {
					t.Fatal(err)
				}
			}
			_, err := c.SendRequest(t.Context(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
			if !errors.Is(err, adapters.ErrUndecodable) {
				t.Errorf("Client.SendRequest: %v, want ErrUndecodable", err)
			}
			md, err := (&adapters.Adapter{Client: c}).Send(t.Context(), hubtest.Payload(t, "Writ"), adapters.SendOptions{})
			if !errors.Is(err, adapters.ErrUndecodable) {
				t.Errorf("Adapter.Send: %+v, %v; want ErrUndecodable", md, err)
			}
		})
	}
}

// TestAnswerNotTakenForAccepted: a provider's answer answered with anything
// but its acceptance did not reach the hub as far as the adapter can tell:
// the request is left unacknowledged (to be delivered again, and the
// answer sent again), not acknowledged as answered.
func TestAnswerNotTakenForAccepted(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	c := h.Client("FSSP01")
	c.HubCertificate = h.PKI.Hub.Certificate
	tr := &answering{match: "SendResponseRequest", answer: unsignedAck}
	c.HTTP = &http.Client{Transport: tr}
	stop := run(t, &adapters.Adapter{Client: c, Requests: map[string]adapters.RequestHandler{"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
		return &adapters.Answer{Payload: hubtest.Payload(t, "WritAnswer")}, nil
	}}})
	sent, err := h.Client("COURT01").SendRequest(t.Context(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for tr.hits.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the adapter never posted its answer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	d, err := h.Store.Deliveries(context.Background(), sent.Metadata.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if st := d["FSSP01"]; st == "acked" || st == "refused" || strings.TrimSpace(st) == "" {
		t.Fatalf("the request is %q at FSSP01; want it still leased, its answer not known to have arrived", st)
	}
}
