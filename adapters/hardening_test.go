package adapters_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
)

// rewriter passes calls to the hub and lets edit change the answer of a
// call whose body contains match.
type rewriter struct {
	match string
	edit  func(doc *etree.Document) error
	// drop, while positive, drops that many answers to matching calls
	// after the hub has taken them (the outcome is then unknown).
	drop atomic.Int32
	seen atomic.Int32
}

func (w *rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !bytes.Contains(body, []byte(w.match)) {
		return resp, err
	}
	w.seen.Add(1)
	if w.drop.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, errors.New("connection reset after the call was sent")
	}
	if w.edit == nil {
		return resp, nil
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	if err := w.edit(doc); err != nil {
		return nil, err
	}
	if raw, err = doc.WriteToBytes(); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// stripHubSignature removes the hub's signature from an answer.
func stripHubSignature(doc *etree.Document) error {
	for _, el := range doc.FindElements("//SMEVSignature") {
		el.Parent().RemoveChild(el)
	}
	return nil
}

// resignAs replaces the hub's signature with one made by s (a participant,
// whose certificate chains to the same CA).
func resignAs(s *dsig.Signer) func(doc *etree.Document) error {
	return func(doc *etree.Document) error {
		r, err := soap.DecodeReply(doc.Root())
		if err != nil {
			return err
		}
		if r.HubSignature == nil {
			return nil
		}
		holder := r.HubSignature.Parent()
		holder.RemoveChild(r.HubSignature)
		sig, err := s.Sign(r.HubSigned)
		if err != nil {
			return err
		}
		holder.AddChild(sig)
		return nil
	}
}

// TestClientHubSignature: with a Verifier, an answer the hub signs must
// carry the hub's signature, and (when the hub's certificate is configured)
// one made with that certificate, not merely one that chains to the CA.
func TestClientHubSignature(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	hubCert := h.PKI.Hub.Certificate
	otherCert := h.PKI.Participants["FSSP01"].Certificate
	forged := resignAs(h.Signer("COURT01"))
	for _, c := range []struct {
		name        string
		op          string // "send", "get", "get-empty"
		edit        func(*etree.Document) error
		pin         *x509.Certificate
		fingerprint *x509.Certificate
		wantErr     bool
	}{
		{name: "send as is", op: "send"},
		{name: "send as is, hub pinned", op: "send", pin: hubCert},
		{name: "send as is, hub fingerprint", op: "send", fingerprint: hubCert},
		{name: "send, another certificate pinned", op: "send", pin: otherCert, wantErr: true},
		{name: "send, another fingerprint", op: "send", fingerprint: otherCert, wantErr: true},
		{name: "send, signature stripped", op: "send", edit: stripHubSignature, wantErr: true},
		{name: "send, signed by a participant, chain only", op: "send", edit: forged}, // documented: chain-only
		{name: "send, signed by a participant, hub pinned", op: "send", edit: forged, pin: hubCert, wantErr: true},
		{name: "send, signed by a participant, hub fingerprint", op: "send", edit: forged, fingerprint: hubCert, wantErr: true},
		{name: "get as is, hub pinned", op: "get", pin: hubCert},
		{name: "get, signature stripped", op: "get", edit: stripHubSignature, wantErr: true},
		{name: "get, signed by a participant, hub pinned", op: "get", edit: forged, pin: hubCert, wantErr: true},
		{name: "get from an empty queue (not signed)", op: "get-empty", edit: stripHubSignature, pin: hubCert},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			net := &rewriter{edit: c.edit}
			var cl *adapters.Client
			switch c.op {
			case "send":
				net.match = "SendRequestRequest"
				cl = h.Client("COURT01")
			case "get":
				if _, err := h.Client("COURT01").SendRequest(ctx, &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil); err != nil {
					t.Fatal(err)
				}
				net.match = "GetRequestRequest"
				cl = h.Client("FSSP01")
			case "get-empty":
				net.match = "GetRequestRequest"
				cl = h.Client("COURT01")
			}
			cl.HTTP = &http.Client{Transport: net}
			cl.HubCertificate = c.pin
			if c.fingerprint != nil {
				cl.HubFingerprint = sha256.Sum256(c.fingerprint.Raw)
			}
			var r *soap.Reply
			var err error
			if c.op == "send" {
				r, err = cl.SendRequest(ctx, &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
			} else {
				r, err = cl.GetRequest(ctx, "", "")
			}
			if c.wantErr {
				if !errors.Is(err, adapters.ErrHubSignature) {
					t.Fatalf("err = %v, want ErrHubSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.op == "get" && r.Request == nil {
				t.Fatal("no request delivered")
			}
			if r.Request != nil {
				if err := cl.Ack(ctx, r.Request.Data.MessageID, true); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestRetryableKinds(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&adapters.HTTPError{StatusCode: 413, Status: "413 Request Entity Too Large"}, false},
		{&adapters.HTTPError{StatusCode: 404}, false},
		{&adapters.HTTPError{StatusCode: 403}, false},
		{&adapters.HTTPError{StatusCode: 200}, false},
		{&adapters.HTTPError{StatusCode: 408}, true},
		{&adapters.HTTPError{StatusCode: 429}, true},
		{&adapters.HTTPError{StatusCode: 502}, true},
		{&adapters.HTTPError{StatusCode: 503}, true},
		{&url.Error{Op: "Post", URL: "https://hub", Err: x509.UnknownAuthorityError{}}, false},
		{&url.Error{Op: "Post", URL: "https://hub", Err: &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}}, false},
		{x509.HostnameError{Host: "hub"}, false},
		{fmt.Errorf("%w: bad xml", adapters.ErrUndecodable), false},
		{fmt.Errorf("adapters: giving up: %w", &soap.Fault{Name: "SMEVFailure"}), true},
		{&url.Error{Op: "Post", URL: "http://hub", Err: errors.New("connection refused")}, true},
	} {
		if got := adapters.Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestSendGivesUp: a failure no retry cures is returned at once, clear,
// and a curable one after MaxAttempts, instead of blocking forever.
func TestSendGivesUp(t *testing.T) {
	for _, c := range []struct {
		name      string
		tls       bool
		handler   http.HandlerFunc
		attempts  int
		wantCalls int32
		check     func(error) bool
	}{
		{name: "proxy 413", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(413)
			io.WriteString(w, "<html>too large</html>")
		}, wantCalls: 1, check: func(err error) bool {
			var he *adapters.HTTPError
			return errors.As(err, &he) && he.StatusCode == 413
		}},
		{name: "undecodable", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, "<not-soap")
		}, wantCalls: 1, check: func(err error) bool { return errors.Is(err, adapters.ErrUndecodable) }},
		{name: "not an SMEV reply", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, "<x/>")
		}, wantCalls: 1, check: func(err error) bool { return errors.Is(err, adapters.ErrUndecodable) }},
		{name: "unknown TLS authority", tls: true, handler: func(w http.ResponseWriter, r *http.Request) {}, wantCalls: 0,
			check: func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{name: "503 capped", attempts: 3, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(503)
		}, wantCalls: 3, check: func(err error) bool {
			var he *adapters.HTTPError
			return errors.As(err, &he) && he.StatusCode == 503
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int32
			hf := func(w http.ResponseWriter, r *http.Request) { calls.Add(1); c.handler(w, r) }
			var srv *httptest.Server
			if c.tls {
				srv = httptest.NewTLSServer(http.HandlerFunc(hf))
			} else {
				srv = httptest.NewServer(http.HandlerFunc(hf))
			}
			defer srv.Close()
			a := &adapters.Adapter{Client: &adapters.Client{URL: srv.URL, Participant: "COURT01", HTTP: &http.Client{}}, MaxAttempts: c.attempts}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := a.Send(ctx, hubtest.Payload(t, "Writ"), adapters.SendOptions{})
			if ctx.Err() != nil {
				t.Fatalf("Send blocked until the context ended (%d calls): %v", calls.Load(), err)
			}
			if err == nil || !c.check(err) {
				t.Fatalf("err = %v", err)
			}
			if n := calls.Load(); n != c.wantCalls {
				t.Fatalf("%d calls, want %d", n, c.wantCalls)
			}
		})
	}
}

// TestAdapterAcksWhenAcceptanceUnsigned: the hub stored the answer but its
// acceptance's signature is missing: the request is acknowledged as
// accepted (and an alert logged), not refused.
func TestAdapterAcksWhenAcceptanceUnsigned(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	c := h.Client("FSSP01")
	c.HTTP = &http.Client{Transport: &rewriter{match: "SendResponseRequest", edit: stripHubSignature}}
	run(t, &adapters.Adapter{Client: c, Requests: map[string]adapters.RequestHandler{"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
		return &adapters.Answer{Payload: hubtest.Payload(t, "WritAnswer")}, nil
	}}})
	md, err := h.Client("COURT01").SendRequest(context.Background(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var state string
	eventually(t, 10*time.Second, "the request acknowledged", func() bool {
		d, _ := h.Store.Deliveries(context.Background(), md.Metadata.MessageID)
		state = d["FSSP01"]
		return state == "acked" || state == "refused"
	})
	if state != "acked" {
		t.Fatalf("the request was %s", state)
	}
}

// TestSendMessageID: a send whose outcome is unknown returns its MessageID;
// sending again under it does not make a second request.
func TestSendMessageID(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	ctx := context.Background()
	v4 := uuid.NewString()
	for _, bad := range []string{"not-a-uuid", v4, "{" + v4 + "}"} {
		a := &adapters.Adapter{Client: h.Client("COURT01")}
		_, err := a.Send(ctx, hubtest.Payload(t, "Writ"), adapters.SendOptions{MessageID: bad})
		var se *adapters.SendError
		if err == nil || errors.As(err, &se) {
			t.Errorf("MessageID %q: err = %v, want a plain error", bad, err)
		}
	}

	net := &rewriter{match: "SendRequestRequest"}
	net.drop.Store(1)
	c := h.Client("COURT01")
	c.HTTP = &http.Client{Transport: net}
	a := &adapters.Adapter{Client: c, MaxAttempts: 1}
	payload := hubtest.Payload(t, "Writ")
	_, err := a.Send(ctx, payload, adapters.SendOptions{TransactionCode: "case-9"})
	var se *adapters.SendError
	if !errors.As(err, &se) || se.MessageID == "" {
		t.Fatalf("err = %v, want a *SendError with the MessageID", err)
	}
	for i := range 2 {
		md, err := a.Send(ctx, payload, adapters.SendOptions{TransactionCode: "case-9", MessageID: se.MessageID})
		if err != nil {
			t.Fatalf("send %d again: %v", i, err)
		}
		if md.MessageID != se.MessageID {
			t.Fatalf("sent as %s, want %s", md.MessageID, se.MessageID)
		}
	}
	fssp := h.Client("FSSP01")
	r, err := fssp.GetRequest(ctx, "", "")
	if err != nil || r.Request == nil || r.Request.Data.MessageID != se.MessageID {
		t.Fatalf("delivered %+v, %v", r, err)
	}
	if err := fssp.Ack(ctx, se.MessageID, true); err != nil {
		t.Fatal(err)
	}
	if r, err := fssp.GetRequest(ctx, "", ""); err != nil || r.Request != nil {
		t.Fatalf("a second request was delivered: %v", err)
	}
}

// TestAdapterStatusHandlerRetried: a status event whose handler fails is
// handed to it again (the hub does not deliver it twice).
func TestAdapterStatusHandlerRetried(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	run(t, &adapters.Adapter{Client: h.Client("FSSP01"), Requests: map[string]adapters.RequestHandler{"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
		return nil, adapters.Refuse("no such debtor")
	}}})
	var calls atomic.Int32
	got := &collector{}
	court := &adapters.Adapter{Client: h.Client("COURT01"), StatusInterval: 20 * time.Millisecond,
		Status: func(ctx context.Context, s *soap.AsyncStatus) error {
			if calls.Add(1) <= 2 {
				return errors.New("the database is down")
			}
			return got.status(ctx, s)
		}}
	run(t, court)
	md, err := court.Send(context.Background(), hubtest.Payload(t, "Writ"), adapters.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the refusal's status handled", func() bool {
		got.mu.Lock()
		defer got.mu.Unlock()
		for _, s := range got.statuses {
			if s.OriginalMessageID == md.MessageID && s.Category == soap.StatusRequestIsRejectedBySmev {
				return true
			}
		}
		return false
	})
}
