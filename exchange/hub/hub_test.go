package hub_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/hub"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/schemas"
	"mezhved/store"
	"mezhved/store/boltstore"
)

var (
	setOnce sync.Once
	set     *schemas.Set
	setErr  error
	pkiOnce sync.Once
	bundle  *pki.Bundle
)

func devPKI(t testing.TB) *pki.Bundle {
	t.Helper()
	pkiOnce.Do(func() {
		cfg, err := registry.DevConfig()
		if err != nil {
			t.Fatal(err)
		}
		var parties []pki.Party
		for _, p := range cfg.Participants {
			parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
		}
		if bundle, err = pki.Generate(pki.Options{Participants: parties}); err != nil {
			t.Fatal(err)
		}
	})
	return bundle
}

// testHub is a hub running in process on 127.0.0.1:0 over a store in a
// temporary directory.
type testHub struct {
	t       testing.TB
	dir     string
	pkiDir  string
	cfg     hub.Config
	url     string
	srv     *http.Server
	hb      *hub.Hub
	st      *boltstore.Store
	cancel  context.CancelFunc
	stopped chan struct{}
	wrap    func(store.Store) store.Store
}

type hubOptions struct {
	visibility  time.Duration
	maxAttempts int
	queueLimit  int64
	longPoll    time.Duration
	wrap        func(store.Store) store.Store
}

func startHub(t testing.TB, o hubOptions) *testHub {
	t.Helper()
	b := devPKI(t)
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	if err := b.WriteDir(pkiDir); err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Dev(pkiDir)
	if err != nil {
		t.Fatal(err)
	}
	setOnce.Do(func() { set, setErr = schemas.Compile(context.Background(), reg.SchemaSources(), 0) })
	if setErr != nil {
		t.Fatal(setErr)
	}
	in, err := exchange.NewIngress(reg, set, dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil),
		exchange.Options{StaleAfter: time.Hour, CheckEOL: true})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := dsig.NewSigner(b.Hub.Key, []*x509.Certificate{b.Hub.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	if o.longPoll == 0 {
		o.longPoll = -1
	}
	h := &testHub{t: t, dir: dir, pkiDir: pkiDir, wrap: o.wrap, cfg: hub.Config{Registry: reg, Ingress: in, Signer: signer,
		ReplyKey: []byte(strings.Repeat("k", 32)), Visibility: o.visibility, MaxAttempts: o.maxAttempts, QueueLimit: o.queueLimit,
		LongPoll: o.longPoll, SweepInterval: 20 * time.Millisecond}}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *testHub) start() {
	t := h.t
	waiters := hub.NewWaiters()
	st, err := boltstore.Open(filepath.Join(h.dir, "mezhved.db"), &boltstore.Options{Notify: waiters.Notify})
	if err != nil {
		t.Fatal(err)
	}
	h.st = st
	cfg := h.cfg
	cfg.Store = st
	if h.wrap != nil {
		cfg.Store = h.wrap(st)
	}
	cfg.Waiters = waiters
	hb, err := hub.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.hb = hb
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.url = "http://" + ln.Addr().String() + "/ws/"
	h.srv = &http.Server{Handler: hb.Handler(10 << 20)}
	go h.srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.stopped = make(chan struct{})
	go func() {
		defer close(h.stopped)
		hb.Run(ctx)
	}()
}

func (h *testHub) stop() {
	if h.srv == nil {
		return
	}
	h.srv.Shutdown(context.Background())
	h.cancel()
	<-h.stopped
	h.st.Close()
	h.srv = nil
}

// client is a participant's client for version v (1.1 by default).
func (h *testHub) client(mnemonic string, v ...soap.Version) *adapters.Client {
	h.t.Helper()
	b := devPKI(h.t)
	id, ok := b.Participants[mnemonic]
	if !ok {
		h.t.Fatalf("no participant %s", mnemonic)
	}
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		h.t.Fatal(err)
	}
	ver := soap.V11
	if len(v) > 0 {
		ver = v[0]
	}
	return &adapters.Client{URL: h.url + string(ver), Version: ver, Signer: s,
		Verifier: dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)}
}

func payload(t testing.TB, root string) *etree.Element {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../schemas/payloads", root+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

var ctx = context.Background()

func send(t testing.TB, c *adapters.Client, root string, mutate ...func(*soap.RequestData)) *soap.Metadata {
	t.Helper()
	d := &soap.RequestData{Content: payload(t, root)}
	for _, m := range mutate {
		m(d)
	}
	r, err := c.SendRequest(ctx, d, nil)
	if err != nil {
		t.Fatalf("SendRequest(%s): %v", root, err)
	}
	return r.Metadata
}

func getRequest(t testing.TB, c *adapters.Client) *soap.DeliveredRequest {
	t.Helper()
	r, err := c.GetRequest(ctx, "", "")
	if err != nil {
		t.Fatalf("GetRequest: %v", err)
	}
	return r.Request
}

func getResponse(t testing.TB, c *adapters.Client) *soap.DeliveredResponse {
	t.Helper()
	r, err := c.GetResponse(ctx, "", "")
	if err != nil {
		t.Fatalf("GetResponse: %v", err)
	}
	return r.Response
}

func status(t testing.TB, c *adapters.Client) *soap.AsyncStatus {
	t.Helper()
	r, err := c.GetStatus(ctx)
	if err != nil {
		t.Fatalf("GetStatus: %v", err)
	}
	return r.Status
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantFault(t testing.TB, err error, name string) *soap.Fault {
	t.Helper()
	var f *soap.Fault
	if !errors.As(err, &f) {
		t.Fatalf("err = %v, want the fault %s", err, name)
	}
	if f.Name != name {
		t.Fatalf("fault %s (%s), want %s", f.Name, f.Description, name)
	}
	return f
}

// TestRequestResponseFlow: request → lease → ack → response → lease → ack,
// with the status events on both sides.
func TestRequestResponseFlow(t *testing.T) {
	h := startHub(t, hubOptions{})
	court, fssp := h.client("COURT01"), h.client("FSSP01")

	md := send(t, court, "Writ")
	if md.MessageType != soap.MessageTypeRequest || md.RecipientMnem != "FSSP01" || md.Status != soap.StatusRequestIsQueued {
		t.Fatalf("metadata = %+v", md)
	}
	req := getRequest(t, fssp)
	if req == nil || req.Data.MessageID != md.MessageID || req.Metadata.SenderMnemonic != "COURT01" || req.ReplyTo == "" || req.SenderSignature == nil {
		t.Fatalf("delivered request = %+v", req)
	}
	// The court's own signature came with the request and still verifies.
	b := devPKI(t)
	if _, err := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil).Verify(req.DataElement.Parent().Parent().Parent().Parent().Parent(), req.SenderSignature, req.DataElement); err != nil {
		t.Fatalf("the sender's signature passed on does not verify: %v", err)
	}
	if again := getRequest(t, fssp); again != nil {
		t.Fatal("a leased request was delivered twice")
	}
	if err := fssp.Ack(ctx, md.MessageID, true); err != nil {
		t.Fatal(err)
	}
	if st := status(t, court); st == nil || st.OriginalMessageID != md.MessageID || st.Category != soap.StatusUnderProcessing {
		t.Fatalf("court's status = %+v", st)
	}
	r, err := fssp.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "WritAnswer")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Metadata.MessageType != soap.MessageTypeResponse || r.Metadata.RecipientMnem != "COURT01" {
		t.Fatalf("response metadata = %+v", r.Metadata)
	}
	resp := getResponse(t, court)
	if resp == nil || resp.OriginalMessageID != md.MessageID || resp.Data.Content.Tag != "WritAnswer" || resp.Metadata.SenderMnemonic != "FSSP01" {
		t.Fatalf("delivered response = %+v", resp)
	}
	if err := court.Ack(ctx, resp.Data.MessageID, true); err != nil {
		t.Fatal(err)
	}
	if st := status(t, fssp); st == nil || st.Category != soap.StatusResponseIsDelivered {
		t.Fatalf("bailiff's status = %+v", st)
	}
	if st := status(t, court); st != nil {
		t.Fatalf("an extra status event: %+v", st)
	}
	if err := court.Ack(ctx, resp.Data.MessageID, true); err == nil {
		t.Fatal("a second Ack was accepted")
	} else {
		wantFault(t, err, "TargetMessageIsNotFound")
	}
	checkJournal(t, h)
}

func checkJournal(t testing.TB, h *testHub) {
	t.Helper()
	v := store.NewChainVerifier()
	if err := h.st.Journal(ctx, 1, v.Check); err != nil {
		t.Fatal(err)
	}
	if v.Records == 0 {
		t.Fatal("an empty journal")
	}
}

func TestRedeliveryAndDeadLetter(t *testing.T) {
	h := startHub(t, hubOptions{visibility: 150 * time.Millisecond, maxAttempts: 2})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	md := send(t, court, "Writ")
	first := getRequest(t, fssp)
	if first == nil || first.Data.MessageID != md.MessageID {
		t.Fatal("not delivered")
	}
	var second *soap.DeliveredRequest
	eventually(t, 5*time.Second, "redelivery after the visibility timeout", func() bool {
		second = getRequest(t, fssp)
		return second != nil
	})
	if second.Data.MessageID != md.MessageID {
		t.Fatalf("redelivered %s", second.Data.MessageID)
	}
	var st *soap.AsyncStatus
	eventually(t, 5*time.Second, "a dead letter after two deliveries", func() bool {
		st = status(t, court)
		return st != nil
	})
	if st.Category != soap.StatusRequestIsRejectedBySmev || st.FaultCode != "MZ-5004" || st.OriginalMessageID != md.MessageID {
		t.Fatalf("status = %+v", st)
	}
	if r := getRequest(t, fssp); r != nil {
		t.Fatal("a dead letter was delivered")
	}
}

func TestEOLExpiry(t *testing.T) {
	h := startHub(t, hubOptions{})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	md := send(t, court, "Writ", func(d *soap.RequestData) { d.EOL = time.Now().Add(300 * time.Millisecond) })
	var st *soap.AsyncStatus
	eventually(t, 5*time.Second, "expiry at EOL", func() bool {
		st = status(t, court)
		return st != nil
	})
	if st.FaultCode != "MZ-2008" || st.OriginalMessageID != md.MessageID {
		t.Fatalf("status = %+v", st)
	}
	if r := getRequest(t, fssp); r != nil {
		t.Fatal("an expired message was delivered")
	}
	// A message whose EOL has already passed is refused at the door.
	_, err := court.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ"), EOL: time.Now().Add(-time.Second)}, nil)
	wantFault(t, err, "EndOfLifeReached")
	// An EOL of 9999-12-31, a common "never", is beyond the store's years:
	// the message is kept with none and delivered.
	never := send(t, court, "Writ", func(d *soap.RequestData) { d.EOL = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) })
	if r := getRequest(t, fssp); r == nil || r.Data.MessageID != never.MessageID {
		t.Fatalf("a message whose EOL is 9999-12-31 was not delivered: %+v", r)
	}
}

func TestIdempotentSend(t *testing.T) {
	h := startHub(t, hubOptions{})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	id, _ := adapters.NewMessageID()
	doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, Content: payload(t, "Writ")}, nil)
	if _, err := soap.SignCall(doc.Root(), court.Signer); err != nil {
		t.Fatal(err)
	}
	body, _ := soap.Marshal(doc)
	first, err := court.Post(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := court.Post(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Metadata.SendingTime.Equal(first.Metadata.SendingTime) || again.Metadata.MessageID != id {
		t.Fatalf("resend metadata %+v differs from %+v", again.Metadata, first.Metadata)
	}
	if r := getRequest(t, fssp); r == nil {
		t.Fatal("not delivered")
	}
	if r := getRequest(t, fssp); r != nil {
		t.Fatal("the resend was queued again")
	}
	other := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, Content: payload(t, "Writ"), TransactionCode: "other"}, nil)
	_, err = court.Do(ctx, other)
	wantFault(t, err, "MessageIsAlreadySent")
}

// signedSend is a SendRequest of d (version 1.1) signed by c, as bytes.
func signedSend(t *testing.T, c *adapters.Client, d *soap.RequestData, att []soap.Attachment) []byte {
	t.Helper()
	doc := soap.NewSendRequest(soap.V11, d, att)
	if _, err := soap.SignCall(doc.Root(), c.Signer); err != nil {
		t.Fatal(err)
	}
	body, err := soap.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestIdempotentResign: a client that signs its retry again (new signature
// values over the same content) sends the same message; the same MessageID
// with other content or other attachments does not.
func TestIdempotentResign(t *testing.T) {
	h := startHub(t, hubOptions{})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	id, _ := adapters.NewMessageID()
	content := payload(t, "Writ")
	attachment := []soap.Attachment{{ID: "writ.pdf", Content: "JVBERi0xLjQK"}}
	signed := func(c *adapters.Client, tc string, att []soap.Attachment) []byte {
		t.Helper()
		d := &soap.RequestData{MessageID: id, Content: content.Copy(), TransactionCode: tc}
		for _, a := range att {
			d.AttachmentHeaders = append(d.AttachmentHeaders, soap.AttachmentHeader{ContentID: a.ID, MimeType: "application/pdf"})
		}
		return signedSend(t, c, d, att)
	}
	body := signed(court, "", attachment)
	first, err := court.Post(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	resigned := signed(court, "", attachment)
	if bytes.Equal(resigned, body) {
		t.Fatal("signing again gave the same bytes; the test needs new signature values")
	}
	again, err := court.Post(ctx, resigned)
	if err != nil {
		t.Fatalf("a re-signed resend: %v", err)
	}
	if !again.Metadata.SendingTime.Equal(first.Metadata.SendingTime) || again.Metadata.MessageID != id {
		t.Fatalf("resend metadata %+v differs from %+v", again.Metadata, first.Metadata)
	}
	for _, tc := range []struct {
		name string
		body []byte
		by   *adapters.Client
	}{
		{"other content", signed(court, "other", attachment), court},
		{"other attachment", signed(court, "", []soap.Attachment{{ID: "writ.pdf", Content: "JVBERi0xLjUK"}}), court},
		{"no attachment", signed(court, "", nil), court},
	} {
		_, err := tc.by.Post(ctx, tc.body)
		if err == nil {
			t.Fatalf("%s: accepted under a used MessageID", tc.name)
		}
		wantFault(t, err, "MessageIsAlreadySent")
	}
	if r := getRequest(t, fssp); r == nil || r.Data.MessageID != id {
		t.Fatal("not delivered")
	}
	if r := getRequest(t, fssp); r != nil {
		t.Fatal("a resend was queued again")
	}
}

func TestBroadcastToBanks(t *testing.T) {
	h := startHub(t, hubOptions{})
	fssp := h.client("FSSP01")
	q := payload(t, "BankAccountQuery")
	q.RemoveChild(q.SelectElement("BIC"))
	r, err := fssp.SendRequest(ctx, &soap.RequestData{Content: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Metadata.MessageType != soap.MessageTypeBroadcast {
		t.Fatalf("metadata = %+v", r.Metadata)
	}
	for _, bank := range []string{"BANK044525225", "BANK044525593"} {
		c := h.client(bank)
		req := getRequest(t, c)
		if req == nil || req.Data.MessageID != r.Metadata.MessageID {
			t.Fatalf("%s did not get the query", bank)
		}
		if _, err := c.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "BankAccountAnswer")}, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Ack(ctx, req.Data.MessageID, true); err != nil {
			t.Fatal(err)
		}
	}
	senders := map[string]bool{}
	for range 2 {
		resp := getResponse(t, fssp)
		if resp == nil || resp.OriginalMessageID != r.Metadata.MessageID {
			t.Fatalf("response = %+v", resp)
		}
		senders[resp.Metadata.SenderMnemonic] = true
		if err := fssp.Ack(ctx, resp.Data.MessageID, true); err != nil {
			t.Fatal(err)
		}
	}
	if len(senders) != 2 {
		t.Fatalf("answers from %v", senders)
	}
}

func TestLongPolling(t *testing.T) {
	h := startHub(t, hubOptions{longPoll: 5 * time.Second})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	got := make(chan *soap.DeliveredRequest, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		r, err := fssp.GetRequest(ctx, "", "")
		if err != nil {
			t.Error(err)
		}
		got <- r.Request
	}()
	<-started
	time.Sleep(100 * time.Millisecond) // let the poll start waiting: what is measured is that it ends early
	sent := time.Now()
	md := send(t, court, "Writ")
	select {
	case r := <-got:
		if r == nil || r.Data.MessageID != md.MessageID {
			t.Fatalf("the long poll returned %+v", r)
		}
		if waited := time.Since(sent); waited > 2*time.Second {
			t.Fatalf("the long poll returned %s after the send", waited)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("the long poll did not return on a send")
	}
	// With nothing to deliver it waits the configured time, then returns
	// empty (checked here only for its outcome).
}

func TestReopenMidFlow(t *testing.T) {
	h := startHub(t, hubOptions{visibility: 200 * time.Millisecond})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	a := send(t, court, "Writ")
	b := send(t, court, "Writ")
	if r := getRequest(t, fssp); r == nil || r.Data.MessageID != a.MessageID {
		t.Fatal("first not delivered")
	}
	h.stop()
	h.start()
	court, fssp = h.client("COURT01"), h.client("FSSP01")
	if r := getRequest(t, fssp); r == nil || r.Data.MessageID != b.MessageID {
		t.Fatalf("after restart the queued message is %+v", r)
	}
	var again *soap.DeliveredRequest
	eventually(t, 5*time.Second, "the leased message after restart", func() bool {
		again = getRequest(t, fssp)
		return again != nil
	})
	if again.Data.MessageID != a.MessageID {
		t.Fatalf("redelivered %s", again.Data.MessageID)
	}
	checkJournal(t, h)
}

func TestRefusals(t *testing.T) {
	h := startHub(t, hubOptions{queueLimit: 1})
	court, fssp, bank := h.client("COURT01"), h.client("FSSP01"), h.client("BANK044525225")

	// A participant may not send a type it is not a sender of.
	_, err := bank.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
	wantFault(t, err, "AccessDenied")
	// An unknown target of Ack.
	err = fssp.Ack(ctx, "db0486d0-3c08-11e5-95e2-d4c9eff07b77", true)
	wantFault(t, err, "TargetMessageIsNotFound")
	// A forged To.
	_, err = fssp.SendResponse(ctx, &soap.ResponseData{To: "mz1.forged.token", Content: payload(t, "WritAnswer")}, nil)
	wantFault(t, err, "RecipientIsNotFound")

	md := send(t, court, "Writ")
	req := getRequest(t, fssp)
	// Someone who did not receive the request cannot answer it.
	_, err = h.client("GIBDD01").SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "WritAnswer")}, nil)
	wantFault(t, err, "AccessDenied")
	// An answer of the wrong type.
	_, err = fssp.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "VehicleAnswer")}, nil)
	wantFault(t, err, "IncorrectResponseContentType")
	// A full queue.
	_, err = court.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
	f := wantFault(t, err, "DestinationOverflow")
	if f.Retry != "retry" {
		t.Fatalf("retry class %s", f.Retry)
	}
	if err := fssp.Ack(ctx, md.MessageID, true); err != nil {
		t.Fatal(err)
	}
	send(t, court, "Writ") // room again
	// The wrong endpoint version.
	c13 := h.client("COURT01", soap.V13)
	c13.URL = strings.Replace(c13.URL, "1.3", "1.1", 1)
	_, err = c13.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
	wantFault(t, err, "InvalidContent")
	// Rejections of sends are journaled.
	rejected := 0
	h.st.Journal(ctx, 1, func(r store.Record) error {
		if r.Event == store.EventRejected {
			rejected++
		}
		return nil
	})
	if rejected < 3 {
		t.Fatalf("%d rejections journaled", rejected)
	}
}

func TestVersionsAndStats(t *testing.T) {
	h := startHub(t, hubOptions{})
	court13, fssp12 := h.client("COURT01", soap.V13), h.client("FSSP01", soap.V12)
	md := send(t, court13, "Writ")
	req := getRequest(t, fssp12)
	if req == nil || req.Data.MessageID != md.MessageID {
		t.Fatal("a 1.3 request did not reach a 1.2 poller")
	}
	if req.SenderSignature != nil {
		t.Fatal("a signature over 1.3 namespaces was passed on in 1.2")
	}
	send(t, court13, "Writ")
	r, err := h.client("FSSP01").Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stats) != 2 || r.Stats[0].QueueName != "FSSP01:requests" || r.Stats[0].Pending != 2 {
		t.Fatalf("stats = %+v", r.Stats)
	}
}

// failingWrites makes every write fail, as a full disk would.
type failingWrites struct{ store.Store }

func (f failingWrites) Accept(context.Context, *store.Message, store.Policy) (*store.Accepted, error) {
	return nil, store.ErrUnavailable
}

func TestStoreFailure(t *testing.T) {
	h := startHub(t, hubOptions{wrap: func(s store.Store) store.Store { return failingWrites{s} }})
	court := h.client("COURT01")
	_, err := court.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
	f := wantFault(t, err, "SMEVFailure")
	if f.Retry != "retry" || f.FaultCode != "soap:Server" {
		t.Fatalf("fault = %+v", f)
	}
	// Reads keep working.
	if _, err := court.Stats(ctx); err != nil {
		t.Fatal(err)
	}
}

// switchableReads fails Message with the error err holds while it holds
// one, as a store that cannot read (closed, corrupt) would; everything else
// passes through.
type switchableReads struct {
	store.Store
	err *atomic.Pointer[error]
}

func (s switchableReads) Message(ctx context.Context, id string) (*store.Message, error) {
	if err := s.err.Load(); err != nil {
		return nil, *err
	}
	return s.Store.Message(ctx, id)
}

// TestStoreReadFailure: when the store cannot read a stored message, the
// calls that need it are refused with the retryable SMEVFailure, not with a
// fault that tells the sender to fix its message: a SendResponse whose
// request cannot be read (only a request that is not there is
// RecipientIsNotFound), and a re-signed resend whose first acceptance
// cannot be read to compare (only a MessageID used by no readable message
// is MessageIsAlreadySent). Once reads work again both go through.
func TestStoreReadFailure(t *testing.T) {
	var readErr atomic.Pointer[error]
	h := startHub(t, hubOptions{wrap: func(s store.Store) store.Store { return switchableReads{s, &readErr} }})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	send(t, court, "Writ")
	req := getRequest(t, fssp)
	if req == nil {
		t.Fatal("the writ was not delivered")
	}
	id, _ := adapters.NewMessageID()
	signed := func() []byte {
		t.Helper()
		return signedSend(t, court, &soap.RequestData{MessageID: id, Content: payload(t, "Writ")}, nil)
	}
	first, err := court.Post(ctx, signed())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err                error
		response, resigned string // the faults of the two calls
	}{
		{store.ErrNotFound, "RecipientIsNotFound", "MessageIsAlreadySent"},
		{store.ErrClosed, "SMEVFailure", "SMEVFailure"},
		{store.ErrCorrupt, "SMEVFailure", "SMEVFailure"},
		{fmt.Errorf("boltstore: reading a page: %w", store.ErrUnavailable), "SMEVFailure", "SMEVFailure"},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			readErr.Store(&tc.err)
			defer readErr.Store(nil)
			_, err := fssp.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "WritAnswer")}, nil)
			if f := wantFault(t, err, tc.response); tc.response == "SMEVFailure" {
				fhFailure(t, "SendResponse whose request cannot be read", err)
			} else if f.Retry == "retry" {
				t.Fatalf("SendResponse to a request that is not there: retry class %s", f.Retry)
			}
			_, err = court.Post(ctx, signed())
			if wantFault(t, err, tc.resigned); tc.resigned == "SMEVFailure" {
				fhFailure(t, "a re-signed resend whose first acceptance cannot be read", err)
			}
		})
	}
	again, err := court.Post(ctx, signed())
	if err != nil {
		t.Fatalf("a re-signed resend once reads work: %v", err)
	}
	if again.Metadata.MessageID != id || !again.Metadata.SendingTime.Equal(first.Metadata.SendingTime) {
		t.Fatalf("resend metadata %+v differs from %+v", again.Metadata, first.Metadata)
	}
	if _, err := fssp.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "WritAnswer")}, nil); err != nil {
		t.Fatalf("SendResponse once reads work: %v", err)
	}
}

// TestTLSCallerAcrossReload: a call over mutual TLS is served when its
// client certificate is bound to the participant that signed it, although
// the registry is reloaded (an equal one, loaded again) while the call is
// at the door; one whose certificate is another participant's, or no
// participant's, is refused with AccessDenied all the same. The reload is
// made from the ingress's verification hook, after the call's signer was
// found in the registry it started with and before the certificate is
// looked up.
func TestTLSCallerAcrossReload(t *testing.T) {
	h := startHub(t, hubOptions{})
	h.stop()
	b := devPKI(t)
	verifier := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
	var reloadNow atomic.Bool
	var reloads atomic.Int64
	var newIngress func(reg *registry.Registry) (*exchange.Ingress, error)
	newIngress = func(reg *registry.Registry) (*exchange.Ingress, error) {
		return exchange.NewIngress(reg, set, verifier, exchange.Options{StaleAfter: time.Hour, CheckEOL: true,
			OnVerify: func(string, error) {
				if !reloadNow.Swap(false) {
					return
				}
				reg, err := registry.Dev(h.pkiDir)
				if err != nil {
					t.Errorf("loading the registry again: %v", err)
					return
				}
				in, err := newIngress(reg)
				if err != nil {
					t.Errorf("an ingress over the registry loaded again: %v", err)
					return
				}
				h.hb.Reload(reg, in)
				reloads.Add(1)
			}})
	}
	in, err := newIngress(h.cfg.Registry)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.Ingress = in
	h.start()
	court := h.client("COURT01")
	for _, tc := range []struct {
		name  string
		peer  *x509.Certificate
		fault string // "" when served
	}{
		{"the signer's certificate", b.Participants["COURT01"].Certificate, ""},
		{"another participant's certificate", b.Participants["FSSP01"].Certificate, "AccessDenied"},
		{"a certificate bound to no participant", b.Hub.Certificate, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, _ := adapters.NewMessageID()
			doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, Content: payload(t, "Writ")}, nil)
			if _, err := soap.SignCall(doc.Root(), court.Signer); err != nil {
				t.Fatal(err)
			}
			body, err := soap.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			regBefore, before := h.hb.Registry(), reloads.Load()
			reloadNow.Store(true)
			r := h.hb.CallFrom(ctx, soap.V11, body, "", tc.peer)
			if reloads.Load() != before+1 || h.hb.Registry() == regBefore {
				t.Fatal("the registry was not reloaded during the call")
			}
			switch {
			case tc.fault == "" && r.Fault != nil:
				t.Fatalf("refused with %s: %s", r.Fault.Kind.Name, r.Fault.Description)
			case tc.fault == "" && r.Status != http.StatusOK:
				t.Fatalf("status %d", r.Status)
			case tc.fault != "" && r.Fault == nil:
				t.Fatalf("served, want the fault %s", tc.fault)
			case tc.fault != "" && r.Fault.Kind.Name != tc.fault:
				t.Fatalf("fault %s (%s), want %s", r.Fault.Kind.Name, r.Fault.Description, tc.fault)
			}
		})
	}
}

// TestInsecureModeAccessRules: in insecure mode an unsigned call names its
// participant in a header; the access rules apply to that participant as
// they do to the signer of a signed call, with the same faults: a sender
// may send only the types it is a sender of, and a GetRequest may name
// only a request type its caller provides.
func TestInsecureModeAccessRules(t *testing.T) {
	h := startHub(t, hubOptions{})
	h.stop()
	b := devPKI(t)
	in, err := exchange.NewIngress(h.cfg.Registry, set, dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil),
		exchange.Options{StaleAfter: time.Hour, CheckEOL: true, AllowUnsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.Ingress, h.cfg.AllowUnsigned = in, true
	h.start()
	writ, writAnswer := payload(t, "Writ"), payload(t, "WritAnswer")
	sendWrit := func(c *adapters.Client) error {
		_, err := c.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
		return err
	}
	selecting := func(root *etree.Element) func(c *adapters.Client) error {
		return func(c *adapters.Client) error {
			_, err := c.GetRequest(ctx, root.NamespaceURI(), root.Tag)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		caller string
		call   func(*adapters.Client) error
		fault  string // "" when served
	}{
		{"a sender of the type sends it", "COURT01", sendWrit, ""},
		{"a participant that may not send the type", "BANK044525225", sendWrit, "AccessDenied"},
		{"a provider selects its type", "FSSP01", selecting(writ), ""},
		{"a participant selects a type it does not provide", "BANK044525225", selecting(writ), "UnknownMessageType"},
		{"a selector naming a response type", "FSSP01", selecting(writAnswer), "UnknownMessageType"},
	} {
		for _, signed := range []bool{true, false} {
			name := tc.name + "/unsigned"
			c := &adapters.Client{URL: h.url + string(soap.V11), Version: soap.V11, Participant: tc.caller}
			if signed {
				name, c = tc.name+"/signed", h.client(tc.caller)
			}
			t.Run(name, func(t *testing.T) {
				err := tc.call(c)
				if tc.fault == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantFault(t, err, tc.fault)
			})
		}
	}
}

func TestWSDL(t *testing.T) {
	h := startHub(t, hubOptions{})
	for _, v := range []soap.Version{soap.V11, soap.V13} {
		resp, err := http.Get(h.url + string(v) + "?wsdl")
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if _, err := doc.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		public := etree.NewDocument()
		if err := public.ReadFromFile(filepath.Join("../../../shared/reference/smev3", string(v), "smev-message-exchange-service-"+string(v)+".wsdl")); err != nil {
			t.Skip("the public WSDL is not beside the project")
		}
		if got, want := wsdlShape(doc), wsdlShape(public); got != want {
			t.Fatalf("%s: our WSDL\n%s\nthe public one\n%s", v, got, want)
		}
		// The schemas it imports are served.
		for _, imp := range doc.FindElements("//import") {
			r, err := http.Get(h.url + imp.SelectAttrValue("schemaLocation", ""))
			if err != nil || r.StatusCode != 200 {
				t.Fatalf("%s: %v %v", imp.SelectAttrValue("schemaLocation", ""), err, r.Status)
			}
			r.Body.Close()
		}
	}
}

// wsdlShape lists a WSDL's operations with their input, output and fault
// message elements, and its messages with their elements.
func wsdlShape(doc *etree.Document) string {
	msgs := map[string]string{}
	for _, m := range doc.FindElements("//message") {
		el := m.SelectElement("part").SelectAttrValue("element", "")
		if i := strings.IndexByte(el, ':'); i >= 0 {
			el = el[i+1:]
		}
		msgs[m.SelectAttrValue("name", "")] = el
	}
	var lines []string
	for _, op := range doc.FindElements("//portType/operation") {
		var b strings.Builder
		b.WriteString(op.SelectAttrValue("name", "") + ":")
		for _, c := range op.ChildElements() {
			if c.Tag == "documentation" {
				continue
			}
			ref := c.SelectAttrValue("message", "")
			if i := strings.IndexByte(ref, ':'); i >= 0 {
				ref = ref[i+1:]
			}
			b.WriteString(" " + c.Tag + "=" + msgs[ref])
		}
		lines = append(lines, b.String())
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestRateLimit: a sender over its rate gets a retryable fault; its next
// send after a pause goes through; another sender is not affected.
func TestRateLimit(t *testing.T) {
	h := startHub(t, hubOptions{})
	h.stop()
	h.cfg.RateLimit, h.cfg.RateBurst = 1, 2
	h.start()
	court, fnsC := h.client("COURT01"), h.client("FNS01")
	send(t, court, "Writ")
	send(t, court, "Writ")
	_, err := court.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
	f := wantFault(t, err, "SMEVFailure")
	if f.Code != "MZ-9003" || !adapters.Retryable(err) {
		t.Fatalf("fault %+v", f)
	}
	send(t, fnsC, "Writ") // another sender's budget
	eventually(t, 5*time.Second, "the court's budget refilled", func() bool {
		_, err := court.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
		return err == nil
	})
	// A refusal for the rate is answered, not journaled: journaling it
	// would make each refused call a durable write.
	if n := journaledRejections(t, h); n != 0 {
		t.Fatalf("%d rejections journaled for sends over the rate limit", n)
	}
}

func journaledRejections(t *testing.T, h *testHub) int {
	t.Helper()
	n := 0
	if err := h.st.Journal(ctx, 1, func(r store.Record) error {
		if r.Event == store.EventRejected {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUnidentifiedRejectionsBounded: refusals of sends whose sender the
// door did not establish are journaled within their budget (anyone who
// reaches the port can send them); a verified sender's refused send is
// journaled whatever that budget says.
func TestUnidentifiedRejectionsBounded(t *testing.T) {
	h := startHub(t, hubOptions{})
	h.stop()
	h.cfg.UnidentifiedRejections = 0.5 // bursts of 5
	h.start()
	garbage := []byte("<Envelope>SendRequestRequest</Envelope>")
	for range 30 {
		if rep := h.hb.Call(ctx, soap.V11, garbage, ""); rep.Status != 500 || rep.Fault == nil {
			t.Fatalf("garbage answered %d", rep.Status)
		}
	}
	got := journaledRejections(t, h)
	if got < 5 || got > 7 {
		t.Fatalf("%d refusals of 30 from nobody journaled, want the burst of 5 (and what the rate refilled meanwhile)", got)
	}
	// The budget is spent; a verified sender's refusal is still journaled.
	c13 := h.client("COURT01", soap.V13)
	c13.URL = strings.Replace(c13.URL, "1.3", "1.1", 1)
	_, err := c13.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil)
	wantFault(t, err, "InvalidContent")
	if n := journaledRejections(t, h); n != got+1 {
		t.Fatalf("%d rejections journaled after a verified sender's refused send, want %d", n, got+1)
	}
}

// TestDeadlineOverWeekend: a writ (3 working days) received on a Friday
// afternoon in Moscow is due at the end of the next Wednesday; with a fake
// clock, it is not overdue on Monday nor a minute before, and is at the
// due time: the court gets a status event and the request is listed.
func TestDeadlineOverWeekend(t *testing.T) {
	h := startHub(t, hubOptions{})
	h.stop()
	var clock atomic.Int64
	set := func(s string) {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		clock.Store(tm.UnixNano())
	}
	set("2026-11-27T12:00:00Z") // Friday, 15:00 in Moscow
	h.cfg.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	h.start()
	court := h.client("COURT01")
	md := send(t, court, "Writ")
	m, err := h.st.Message(ctx, md.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 21, 0, 0, 0, time.UTC); !m.Due.Equal(want) {
		t.Fatalf("due %s, want %s (the end of Wednesday in Moscow)", m.Due.UTC(), want)
	}
	for _, at := range []string{"2026-11-28T10:00:00Z", "2026-11-30T10:00:00Z", "2026-12-02T20:59:00Z"} {
		set(at)
		if r, err := h.st.Sweep(ctx, h.cfg.Now()); err != nil || r.Overdue != 0 {
			t.Fatalf("at %s: %+v %v", at, r, err)
		}
	}
	if over, _ := h.st.Overdue(ctx); len(over) != 0 {
		t.Fatalf("overdue before the due date: %+v", over)
	}
	set("2026-12-02T21:00:00Z")
	eventually(t, 5*time.Second, "the request overdue", func() bool {
		over, _ := h.st.Overdue(ctx)
		return len(over) == 1 && over[0].MessageID == md.MessageID && over[0].Recipient == "FSSP01"
	})
	st := status(t, court)
	if st == nil || st.OriginalMessageID != md.MessageID || st.Category != soap.StatusUnderProcessing || !strings.Contains(st.Details, "overdue") {
		t.Fatalf("status %+v", st)
	}
}

// headerRecorder keeps the headers of every answer its transport gets.
type headerRecorder struct {
	mu      sync.Mutex
	answers []*http.Response
}

func (r *headerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.answers = append(r.answers, resp)
		r.mu.Unlock()
	}
	return resp, err
}

// TestRepliesCarryLength checks that every reply, small or over net/http's
// 2 KB buffer (a delivered 4 KB writ), states its length instead of coming
// chunked.
func TestRepliesCarryLength(t *testing.T) {
	h := startHub(t, hubOptions{})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	rec := &headerRecorder{}
	court.HTTP, fssp.HTTP = &http.Client{Transport: rec}, &http.Client{Transport: rec}
	ctx := t.Context()
	if _, err := court.SendRequest(ctx, &soap.RequestData{Content: payload(t, "Writ")}, nil); err != nil {
		t.Fatal(err)
	}
	g, err := fssp.GetRequest(ctx, "", "")
	if err != nil || g.Request == nil {
		t.Fatalf("GetRequest: %v, %+v", err, g)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.answers) != 2 {
		t.Fatalf("%d answers recorded, want 2", len(rec.answers))
	}
	for i, resp := range rec.answers {
		if resp.ContentLength <= 0 || len(resp.TransferEncoding) > 0 {
			t.Errorf("answer %d: Content-Length %d, Transfer-Encoding %v", i, resp.ContentLength, resp.TransferEncoding)
		}
	}
	if rec.answers[1].ContentLength < 4096 {
		t.Errorf("the delivered writ's answer is %d bytes, want over 4 KB", rec.answers[1].ContentLength)
	}
}

// TestDeliversEnvelopeAboveParserDefault checks that a message the door
// accepted under a size limit above the parser's default (serve
// --max-envelope) is delivered, not refused as unreadable at every attempt
// until it is dead-lettered, and that a resend of it is recognised.
func TestDeliversEnvelopeAboveParserDefault(t *testing.T) {
	h := startHub(t, hubOptions{})
	b := devPKI(t)
	verifier := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
	in, err := exchange.NewIngress(h.cfg.Registry, set, verifier, exchange.Options{StaleAfter: time.Hour, CheckEOL: true,
		MaxEnvelope: 32 << 20, AttachmentLimit: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h.hb.Reload(h.cfg.Registry, in)
	ctx := t.Context()
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	id, err := adapters.NewMessageID()
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("QUFB", 3<<20) // 12 MiB of base64
	d := &soap.RequestData{MessageID: id, Content: payload(t, "Writ"),
		AttachmentHeaders: []soap.AttachmentHeader{{ContentID: "writ.pdf", MimeType: "application/pdf"}}}
	raw := signedSend(t, court, d, []soap.Attachment{{ID: "writ.pdf", Content: content}})
	if len(raw) <= xmlsafe.DefaultMaxBytes {
		t.Fatalf("the envelope is %d bytes, want more than the parser's default %d", len(raw), xmlsafe.DefaultMaxBytes)
	}
	for i := range 2 { // the second time, a resend answered as the first
		if rep := h.hb.Call(ctx, soap.V11, raw, ""); rep.Status != 200 {
			t.Fatalf("send %d: %d %s", i+1, rep.Status, rep.Body[:min(600, len(rep.Body))])
		}
	}
	g, err := fssp.GetRequest(ctx, "", "")
	if err != nil {
		t.Fatalf("GetRequest: %v", err)
	}
	if g.Request == nil || g.Request.Data.MessageID != id {
		t.Fatalf("GetRequest delivered %+v, want %s", g.Request, id)
	}
	if len(g.Request.Attachments) != 1 || g.Request.Attachments[0].Content != content {
		t.Fatalf("the attachment did not arrive whole (%d attachments)", len(g.Request.Attachments))
	}
}

// TestSenderIdOfTheHubs: a sender's data whose Id is the one the hub gives
// the element it signs (SIGNED_BY_SMEV) is delivered under a hub signature
// that verifies, in an answer whose Ids are unique (as the schema's xs:ID
// requires), in the sender's version and across versions.
func TestSenderIdOfTheHubs(t *testing.T) {
	h := startHub(t, hubOptions{})
	for _, pair := range [][2]soap.Version{{soap.V11, soap.V11}, {soap.V13, soap.V13}, {soap.V11, soap.V13}} {
		t.Run(string(pair[0])+" to "+string(pair[1]), func(t *testing.T) {
			court, fssp := h.client("COURT01", pair[0]), h.client("FSSP01", pair[1])
			id, err := adapters.NewMessageID()
			if err != nil {
				t.Fatal(err)
			}
			doc := soap.NewSendRequest(pair[0], &soap.RequestData{MessageID: id, Content: payload(t, "Writ")}, nil)
			call, err := soap.DecodeCall(doc.Root())
			if err != nil {
				t.Fatal(err)
			}
			call.Signed.RemoveAttr("Id")
			call.Signed.CreateAttr("Id", soap.HubSignedID)
			if _, err := court.Do(ctx, doc); err != nil {
				t.Fatal(err)
			}
			g, err := fssp.GetRequest(ctx, "", "")
			if err != nil || g.Request == nil {
				t.Fatalf("GetRequest: %v (the hub's signature must verify)", err)
			}
			answer := etree.NewDocument()
			answer.SetRoot(g.Envelope.Copy())
			raw, err := answer.WriteToBytes()
			if err != nil {
				t.Fatal(err)
			}
			if err := set.Validate(ctx, raw); err != nil {
				t.Fatalf("the answer fails its schema: %v", err)
			}
			if err := fssp.Ack(ctx, id, true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAnswersValidInEachVersion: the status event of a delivered response
// validates against the schema of the version it is sent in (1.3 has no
// responseIsDelivered).
func TestAnswersValidInEachVersion(t *testing.T) {
	startHub(t, hubOptions{}) // the schemas
	for _, v := range []soap.Version{soap.V11, soap.V13} {
		doc, err := soap.NewStatusReply(v, &soap.AsyncStatus{OriginalMessageID: "0b6f6b8e-5a1b-11ef-8000-000000000001",
			Category: soap.StatusResponseIsDelivered, Details: "FSSP01: acknowledged"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := soap.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := set.Validate(ctx, raw); err != nil {
			t.Errorf("%s status of a delivered response: %v", v, err)
		}
	}
}
