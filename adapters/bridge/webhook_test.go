package bridge_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/bridge"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
)

// agency is an httptest agency endpoint that answers each POST with the
// next of its replies (the last one repeats) and records what it got.
type agency struct {
	*httptest.Server
	replies []func(http.ResponseWriter)
	calls   atomic.Int32

	mu      sync.Mutex
	headers []http.Header
	bodies  [][]byte
}

func newAgency(t *testing.T, replies ...func(http.ResponseWriter)) *agency {
	a := &agency{replies: replies}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(a.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.headers = append(a.headers, r.Header.Clone())
		a.bodies = append(a.bodies, body)
		a.mu.Unlock()
		a.replies[min(n, len(a.replies))-1](w)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *agency) last() (http.Header, []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.headers[len(a.headers)-1], a.bodies[len(a.bodies)-1]
}

func status(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func xmlReply(body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, body)
	}
}

func serialize(t *testing.T, el *etree.Element) string {
	t.Helper()
	b, err := soap.Marshal(etree.NewDocumentWithRoot(el))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writRequest is a Writ as the adapter hands it to a handler.
func writRequest(t *testing.T, id string) *adapters.Request {
	t.Helper()
	return &adapters.Request{MessageID: id, Sender: "COURT01", TransactionCode: "дело 2-1534/2024\r\nX-Evil: 1", Payload: hubtest.Payload(t, "Writ"),
		Delivered: time.Date(2024, 3, 5, 10, 15, 0, 123, time.FixedZone("MSK", 3*3600))}
}

func fastWebhook(url string) *bridge.Webhook {
	return &bridge.Webhook{URL: url, ResponseURL: url, Attempts: 4, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		Timeout: 2 * time.Second}
}

// TestWebhookRetriesThenAnswers: two 503s, then a 200 with the answer; the
// handler returns the answer, and each POST carries the payload and the
// headers of the contract.
func TestWebhookRetriesThenAnswers(t *testing.T) {
	answer := serialize(t, hubtest.Payload(t, "WritAnswer"))
	ag := newAgency(t, status(503, "busy"), status(503, "busy"), xmlReply(answer))
	wh := fastWebhook(ag.URL)
	wh.Header = http.Header{"Authorization": {"Bearer secret"}, "X-Mezhved-Sender": {"FORGED"}, "x-mezhved-request-id": {"FORGED"}}
	req := writRequest(t, "8f0c2a4e-dac1-11ee-9d6b-0242ac120002")

	got, err := wh.RequestHandler()(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Payload.Tag != "WritAnswer" || got.Payload.NamespaceURI() != "urn://mezhved/enforcement/writ/1.0" {
		t.Fatalf("answer %+v", got)
	}
	if n := got.Payload.FindElement("Accepted/ProceedingNumber"); n == nil || n.Text() != "12345/24/77001-ИП" {
		t.Fatal("the answer's content was not kept")
	}
	if n := ag.calls.Load(); n != 3 {
		t.Fatalf("%d POSTs, want 3", n)
	}

	h, body := ag.last()
	want := map[string]string{
		"X-Mezhved-Message-ID":       "8f0c2a4e-dac1-11ee-9d6b-0242ac120002",
		"X-Mezhved-Sender":           "COURT01",
		"X-Mezhved-Type":             "Writ",
		"X-Mezhved-Namespace":        "urn://mezhved/enforcement/writ/1.0",
		"X-Mezhved-Transaction-Code": "дело 2-1534/2024\r\nX-Evil: 1",
		"X-Mezhved-Delivered":        "2024-03-05T07:15:00.000000123Z",
		"X-Mezhved-Attachments":      "0",
		"Authorization":              "Bearer secret",
	}
	for k, v := range want {
		raw := h.Get(k)
		dec, err := url.PathUnescape(raw)
		if err != nil || dec != v {
			t.Errorf("%s: %q (decoded %q), want %q", k, raw, dec, v)
		}
	}
	if h.Get("X-Evil") != "" || h.Get("X-Mezhved-Request-ID") != "" {
		t.Error("a header was injected")
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("Content-Type %q", ct)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		t.Fatal(err)
	}
	if r := doc.Root(); r.Tag != "Writ" || r.NamespaceURI() != "urn://mezhved/enforcement/writ/1.0" || r.FindElement("DocumentNumber").Text() != "ФС № 045123456" {
		t.Fatalf("the agency got %s", body)
	}
}

// TestWebhookPayloadKeepsNamespaces: a payload whose prefixes are declared
// on the envelope around it reaches the agency with them declared.
func TestWebhookPayloadKeepsNamespaces(t *testing.T) {
	env := etree.NewDocument()
	if err := env.ReadFromString(`<e:Envelope xmlns:e="urn://envelope" xmlns:w="urn://mezhved/enforcement/writ/1.0"><e:Body><w:Writ><w:Number>1</w:Number></w:Writ></e:Body></e:Envelope>`); err != nil {
		t.Fatal(err)
	}
	payload := env.FindElement("//Writ")
	ag := newAgency(t, status(204, ""))
	if _, err := fastWebhook(ag.URL).RequestHandler()(context.Background(), &adapters.Request{MessageID: "m1", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	_, body := ag.last()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		t.Fatal(err)
	}
	if r := doc.Root(); r.NamespaceURI() != "urn://mezhved/enforcement/writ/1.0" || r.FindElement("Number").NamespaceURI() != "urn://mezhved/enforcement/writ/1.0" {
		t.Fatalf("the agency got %s", body)
	}
}

// TestWebhookOutcomes: what each answer of the agency makes of a request.
func TestWebhookOutcomes(t *testing.T) {
	answer := serialize(t, hubtest.Payload(t, "WritAnswer"))
	tests := []struct {
		name    string
		replies []func(http.ResponseWriter)
		maxBody int64
		// answer: a payload; refused: a *adapters.Refusal with this text
		// in it; else a plain error (or nil with neither).
		answer  bool
		refused string
		plain   bool
		posts   int32
	}{
		{name: "200 answers", replies: r(xmlReply(answer)), answer: true, posts: 1},
		{name: "204 acknowledges", replies: r(status(204, "")), posts: 1},
		{name: "422 refuses with the reason", replies: r(status(422, "debtor unknown\nX-Forged: yes")), refused: "422: debtor unknown X-Forged: yes", posts: 1},
		{name: "404 refuses", replies: r(status(404, "")), refused: "404: no reason given", posts: 1},
		{name: "408 is retried", replies: r(status(408, ""), xmlReply(answer)), answer: true, posts: 2},
		{name: "429 is retried", replies: r(status(429, ""), status(204, "")), posts: 2},
		{name: "500 is retried", replies: r(status(500, ""), status(502, ""), status(204, "")), posts: 3},
		{name: "always 503 gives up", replies: r(status(503, "")), plain: true, posts: 4},
		{name: "malformed 200 is retried", replies: r(xmlReply("<WritAnswer><unclosed>"), xmlReply(answer)), answer: true, posts: 2},
		{name: "empty 200 is retried then given up", replies: r(xmlReply("")), plain: true, posts: 4},
		{name: "two roots", replies: r(xmlReply("<a/><b/>")), plain: true, posts: 4},
		{name: "DOCTYPE", replies: r(xmlReply(`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`)), plain: true, posts: 4},
		{name: "too large", replies: r(xmlReply(answer)), maxBody: 64, plain: true, posts: 4},
		{name: "a redirect is not followed", replies: r(func(w http.ResponseWriter) {
			w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
			w.WriteHeader(http.StatusTemporaryRedirect)
		}), plain: true, posts: 1},
		{name: "202 breaks the contract", replies: r(status(202, "")), plain: true, posts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ag := newAgency(t, tt.replies...)
			wh := fastWebhook(ag.URL)
			wh.MaxBody = tt.maxBody
			got, err := wh.RequestHandler()(context.Background(), writRequest(t, "m1"))
			var ref *adapters.Refusal
			isRefusal := errors.As(err, &ref)
			switch {
			case tt.answer:
				if err != nil || got == nil || got.Payload.Tag != "WritAnswer" {
					t.Fatalf("got %+v, %v; want the answer", got, err)
				}
			case tt.refused != "":
				if !isRefusal || !strings.Contains(ref.Reason, tt.refused) {
					t.Fatalf("got %+v, %v; want a refusal saying %q", got, err, tt.refused)
				}
			case tt.plain:
				if err == nil || isRefusal || got != nil {
					t.Fatalf("got %+v, %v; want a plain error", got, err)
				}
			default:
				if err != nil || got != nil {
					t.Fatalf("got %+v, %v; want nil, nil", got, err)
				}
			}
			if n := ag.calls.Load(); n != tt.posts {
				t.Fatalf("%d POSTs, want %d", n, tt.posts)
			}
		})
	}
}

func r(fs ...func(http.ResponseWriter)) []func(http.ResponseWriter) { return fs }

// TestWebhookAgencyDown: an endpoint nobody listens on, one that hangs past
// the timeout, and a context that ends: each gives a plain error, never a
// refusal, within bounded time.
func TestWebhookAgencyDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	var hung atomic.Int32
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	tests := []struct {
		name  string
		wh    *bridge.Webhook
		ctx   time.Duration
		hangs int32
	}{
		{name: "connection refused", wh: fastWebhook(downURL)},
		{name: "no answer within the timeout", wh: &bridge.Webhook{URL: slow.URL, Attempts: 3, Timeout: 50 * time.Millisecond,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond}, hangs: 3},
		{name: "context ends first", wh: &bridge.Webhook{URL: downURL, Attempts: 1000, RetryWaitMin: 10 * time.Millisecond,
			RetryWaitMax: 20 * time.Millisecond}, ctx: 200 * time.Millisecond},
		{name: "not an http URL", wh: &bridge.Webhook{URL: "file:///etc/passwd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hung.Store(0)
			ctx := context.Background()
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			start := time.Now()
			got, err := tt.wh.RequestHandler()(ctx, writRequest(t, "m1"))
			var ref *adapters.Refusal
			if err == nil || errors.As(err, &ref) || got != nil {
				t.Fatalf("got %+v, %v; want a plain error", got, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s", d)
			}
			if tt.hangs > 0 && hung.Load() != tt.hangs {
				t.Fatalf("%d attempts, want %d", hung.Load(), tt.hangs)
			}
			if tt.ctx > 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err %v does not say the context ended", err)
			}
		})
	}
}

// TestWebhookResponses: responses go to ResponseURL with the request's ID;
// 2xx takes them, 4xx refuses, 5xx is retried then left to redelivery; a
// rejection arrives as a Rejections document.
func TestWebhookResponses(t *testing.T) {
	resp := &adapters.Response{MessageID: "resp-1", RequestID: "req-1", Sender: "FSSP01", TransactionCode: "case-1",
		Payload: hubtest.Payload(t, "WritAnswer")}
	rejection := &adapters.Response{MessageID: "resp-2", RequestID: "req-2", Sender: "FSSP01",
		Rejections: []soap.Rejection{{Code: "NO_DATA", Description: "нет данных"}}}
	tests := []struct {
		name    string
		resp    *adapters.Response
		replies []func(http.ResponseWriter)
		refused bool
		plain   bool
		posts   int32
		typ     string
	}{
		{name: "200", resp: resp, replies: r(status(200, "ok")), posts: 1, typ: "WritAnswer"},
		{name: "202 after a 503", resp: resp, replies: r(status(503, ""), status(202, "")), posts: 2, typ: "WritAnswer"},
		{name: "rejection", resp: rejection, replies: r(status(204, "")), posts: 1, typ: "Rejections"},
		{name: "400 refuses", resp: resp, replies: r(status(400, "unknown request")), refused: true, posts: 1, typ: "WritAnswer"},
		{name: "always 500", resp: resp, replies: r(status(500, "")), plain: true, posts: 4, typ: "WritAnswer"},
		{name: "301", resp: resp, replies: r(status(301, "")), plain: true, posts: 1, typ: "WritAnswer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ag := newAgency(t, tt.replies...)
			wh := fastWebhook("http://127.0.0.1:1/requests-go-elsewhere")
			wh.ResponseURL = ag.URL
			err := wh.ResponseHandler()(context.Background(), tt.resp)
			var ref *adapters.Refusal
			isRefusal := errors.As(err, &ref)
			switch {
			case tt.refused:
				if !isRefusal || !strings.Contains(ref.Reason, "unknown request") {
					t.Fatalf("err %v; want a refusal", err)
				}
			case tt.plain:
				if err == nil || isRefusal {
					t.Fatalf("err %v; want a plain error", err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if n := ag.calls.Load(); n != tt.posts {
				t.Fatalf("%d POSTs, want %d", n, tt.posts)
			}
			h, body := ag.last()
			if h.Get("X-Mezhved-Request-ID") != tt.resp.RequestID || h.Get("X-Mezhved-Message-ID") != tt.resp.MessageID ||
				h.Get("X-Mezhved-Type") != tt.typ || h.Get("X-Mezhved-Sender") != "FSSP01" {
				t.Fatalf("headers %v", h)
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(body); err != nil || doc.Root().Tag != tt.typ {
				t.Fatalf("body %s", body)
			}
			if tt.typ == "Rejections" {
				rj := doc.Root().FindElement("Rejection")
				if doc.Root().NamespaceURI() != bridge.Namespace || rj == nil || rj.SelectAttrValue("code", "") != "NO_DATA" || rj.Text() != "нет данных" {
					t.Fatalf("body %s", body)
				}
			}
		})
	}
}

// TestWebhookRefusalReasonCapped: a flood of text in a refusal does not
// reach the logs or the hub whole.
func TestWebhookRefusalReasonCapped(t *testing.T) {
	ag := newAgency(t, status(422, strings.Repeat("ы", 100000)))
	_, err := fastWebhook(ag.URL).RequestHandler()(context.Background(), writRequest(t, "m1"))
	var ref *adapters.Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("err %v", err)
	}
	if len(ref.Reason) > 600 || !strings.Contains(ref.Reason, "ыыы") || !strings.HasSuffix(ref.Reason, "…") {
		t.Fatalf("reason of %d bytes: %.80q", len(ref.Reason), ref.Reason)
	}
}
