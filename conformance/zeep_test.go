package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/internal/hubtest"
	"mezhved/store"
)

// The zeep interop test: a stock SOAP toolkit, python3-zeep from Debian, is
// built from the public SMEV 3 1.1 WSDL (../shared/reference/smev3/1.1) and
// drives a running hub through every operation of that WSDL, with the signed
// elements made by `mezhved dsig sign`. The driver is zeep/smev_client.py;
// whatever zeep cannot parse is the hub's bug.

// zeepWSDLDir is the public WSDL and its schemas, relative to this package.
const zeepWSDLDir = "../../shared/reference/smev3/1.1"

// zeepRequired reports whether CI requires the interop tests to run.
func zeepRequired() bool { return os.Getenv("MEZHVED_REQUIRE_INTEROP") == "1" }

// zeepUnavailable skips the test, or fails it when CI requires it.
func zeepUnavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if zeepRequired() {
		t.Fatalf(format+" (MEZHVED_REQUIRE_INTEROP=1: the zeep interop test must run; .ci/run installs python3-zeep)", args...)
	}
	t.Skipf(format+"; install python3-zeep (Debian) to run the zeep interop test", args...)
}

// zeepPython returns a Python interpreter that can import zeep: Debian's
// /usr/bin/python3 first (python3 on PATH may be another installation
// without Debian's packages).
func zeepPython(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if err := exec.Command(py, "-c", "import zeep").Run(); err == nil {
			return py
		}
	}
	zeepUnavailable(t, "no python3 that can import zeep among %v", candidates)
	return ""
}

// zeepBuildMezhved builds the mezhved binary (with the gost tag, as the
// Makefile does) for `mezhved dsig sign` and `dsig verify`.
func zeepBuildMezhved(t *testing.T, ctx context.Context) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "mezhved")
	cmd := exec.CommandContext(ctx, goTool, "build", "-tags", "gost", "-o", bin, "mezhved/cmd/mezhved")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build mezhved: %v\n%s", err, out)
	}
	return bin
}

// zeepWSDLOperations lists the operations of the WSDL's port type, read here
// independently of zeep.
func zeepWSDLOperations(t *testing.T, file string) []string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(file); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, pt := range doc.Root().SelectElements("portType") {
		for _, op := range pt.SelectElements("operation") {
			ops = append(ops, op.SelectAttrValue("name", ""))
		}
	}
	slices.Sort(ops)
	return ops
}

type zeepFault struct {
	FaultCode   string         `json:"faultcode"`
	FaultString string         `json:"faultstring"`
	Element     string         `json:"element"`
	Code        string         `json:"code"`
	Retry       string         `json:"retry"`
	Detail      map[string]any `json:"detail"`
}

type zeepCall struct {
	Case         string         `json:"case"`
	Operation    string         `json:"operation"`
	Caller       string         `json:"caller"`
	Called       bool           `json:"called"`
	Parsed       bool           `json:"parsed"`
	SchemaValid  bool           `json:"schemaValid"`
	HTTP         int            `json:"http"`
	HubSigner    string         `json:"hubSigner"`
	SenderSigner string         `json:"senderSigner"`
	Fields       map[string]any `json:"fields"`
	Fault        *zeepFault     `json:"fault"`
	Error        string         `json:"error"`
}

type zeepSummary struct {
	Zeep       string     `json:"zeep"`
	Operations []string   `json:"operations"`
	OK         bool       `json:"ok"`
	Error      string     `json:"error"`
	Traceback  string     `json:"traceback"`
	Calls      []zeepCall `json:"calls"`
	Flow       struct {
		ServedWSDLOperations []string         `json:"servedWsdlOperations"`
		MessageID            string           `json:"messageId"`
		TransactionCode      string           `json:"transactionCode"`
		ResponseMessageID    string           `json:"responseMessageId"`
		Statuses             []map[string]any `json:"statuses"`
		ProviderStatuses     []map[string]any `json:"providerStatuses"`
		Refusals             map[string]any   `json:"refusals"`
		Broadcast            struct {
			MessageID   string   `json:"messageId"`
			MessageType string   `json:"messageType"`
			Recipients  []string `json:"recipients"`
		} `json:"broadcast"`
	} `json:"flow"`
}

func (s *zeepSummary) call(t *testing.T, name string) zeepCall {
	t.Helper()
	for _, c := range s.Calls {
		if c.Case == name {
			return c
		}
	}
	t.Fatalf("the driver made no call %q", name)
	return zeepCall{}
}

func TestZeepClient(t *testing.T) {
	wsdl := filepath.Join(zeepWSDLDir, "smev-message-exchange-service-1.1.wsdl")
	if _, err := os.Stat(wsdl); err != nil {
		zeepUnavailable(t, "the public SMEV 3 1.1 WSDL is not available: %v", err)
	}
	python := zeepPython(t)

	timeout := 5 * time.Minute
	if d, ok := t.Deadline(); ok && time.Until(d)-15*time.Second < timeout {
		timeout = time.Until(d) - 15*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	bin := zeepBuildMezhved(t, ctx)
	h := hubtest.Start(t, hubtest.Options{})
	wsdlDir, err := filepath.Abs(zeepWSDLDir)
	if err != nil {
		t.Fatal(err)
	}
	payloads, err := filepath.Abs(filepath.Join("..", "schemas", "payloads"))
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	cmd := exec.CommandContext(ctx, python, filepath.Join("zeep", "smev_client.py"),
		"--url", h.URL+"1.1", "--wsdl-dir", wsdlDir, "--pki", h.PKIDir, "--mezhved", bin,
		"--consumer", "COURT01", "--provider", "FSSP01",
		"--request-payload", filepath.Join(payloads, "Writ.xml"),
		"--response-payload", filepath.Join(payloads, "WritAnswer.xml"),
		"--broadcast-payload", filepath.Join(payloads, "BankAccountQuery.xml"),
		"--broadcast-sender", "FSSP01", "--broadcast-recipients", "BANK044525225,BANK044525593",
		"--timeout", "60")
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("zeep driver ran in %v", time.Since(start).Round(time.Millisecond))
	var s zeepSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("the driver's output is not its JSON summary (%v, run: %v)\nstdout:\n%s\nstderr:\n%s", err, runErr, stdout.String(), stderr.String())
	}
	if runErr != nil || !s.OK {
		var exit *exec.ExitError
		if runErr != nil && !errors.As(runErr, &exit) {
			t.Fatalf("the driver did not run: %v\nstderr:\n%s", runErr, stderr.String())
		}
		t.Fatalf("zeep against the hub: %s\n%s\nsummary:\n%s\nstderr:\n%s", s.Error, s.Traceback, stdout.String(), stderr.String())
	}
	t.Logf("zeep %s: %d calls", s.Zeep, len(s.Calls))

	// Every operation the WSDL declares was called and its answer parsed.
	want := zeepWSDLOperations(t, wsdl)
	if len(want) < 7 || !slices.Equal(s.Operations, want) {
		t.Fatalf("the driver saw operations %v, the WSDL declares %v", s.Operations, want)
	}
	if !slices.Equal(s.Flow.ServedWSDLOperations, want) {
		t.Errorf("the hub's own WSDL, read by zeep, declares %v; want %v", s.Flow.ServedWSDLOperations, want)
	}
	covered := map[string]int{}
	for _, c := range s.Calls {
		if !c.Called || !c.Parsed || c.Error != "" {
			t.Errorf("%s (%s): called %v, parsed %v: %s", c.Case, c.Operation, c.Called, c.Parsed, c.Error)
		}
		if !c.SchemaValid {
			t.Errorf("%s (%s): the answer was not checked against the reference schemas", c.Case, c.Operation)
		}
		if c.HubSigner != "" && !strings.Contains(c.HubSigner, "CN=HUB") {
			t.Errorf("%s: the answer is signed by %s, not the hub", c.Case, c.HubSigner)
		}
		covered[c.Operation]++
	}
	for _, op := range want {
		if covered[op] == 0 {
			t.Errorf("no %s call", op)
		}
	}

	// The conversation, as zeep parsed it.
	if c := s.call(t, "send-request"); c.Fields["MessageId"] != s.Flow.MessageID || c.Fields["Recipient"] != "FSSP01" || c.HubSigner == "" {
		t.Errorf("SendRequest answer: %v (hub signature by %q)", c.Fields, c.HubSigner)
	}
	if c := s.call(t, "get-request"); c.Fields["MessageID"] != s.Flow.MessageID || c.Fields["TransactionCode"] != s.Flow.TransactionCode ||
		!strings.Contains(c.SenderSigner, "CN=COURT01") || c.Fields["PayloadRoot"] != "{urn://mezhved/enforcement/writ/1.0}Writ" {
		t.Errorf("GetRequest answer: %v (sender signature by %q)", c.Fields, c.SenderSigner)
	}
	if c := s.call(t, "get-response"); c.Fields["MessageID"] != s.Flow.ResponseMessageID || c.Fields["OriginalMessageId"] != s.Flow.MessageID ||
		!strings.Contains(c.SenderSigner, "CN=FSSP01") {
		t.Errorf("GetResponse answer: %v (sender signature by %q)", c.Fields, c.SenderSigner)
	}
	if c := s.call(t, "send-broadcast"); s.Flow.Broadcast.MessageType != "BROADCAST" || c.Fields["Recipient"] != nil {
		t.Errorf("broadcast SendRequest answer: %v", c.Fields)
	}
	if len(s.Flow.Statuses) == 0 || s.Flow.Statuses[0]["OriginalMessageId"] != s.Flow.MessageID {
		t.Errorf("GetStatus events: %v", s.Flow.Statuses)
	}

	// The faults, each parsed by zeep as the WSDL's SMEV fault element.
	for name, want := range map[string]struct{ element, code, detail string }{
		"fault-tampered-signature": {"SignatureVerificationFault", "MZ-3003", "SignatureIsInvalid"},
		"fault-schema-violation":   {"InvalidContent", "MZ-2001", ""},
		"fault-unknown-type":       {"BusinessDataTypeIsNotSupported", "MZ-2003", ""},
		"fault-message-id-reused":  {"MessageIsAlreadySent", "MZ-5001", ""},
		"fault-unsigned":           {"SignatureVerificationFault", "", "NoSignatureFound"},
		"fault-unknown-selector":   {"UnknownMessageType", "MZ-2009", ""},
		"fault-ack-again":          {"TargetMessageIsNotFound", "MZ-5002", ""},
	} {
		c := s.call(t, name)
		f := c.Fault
		switch {
		case f == nil:
			t.Errorf("%s: no fault", name)
		case f.Element != want.element || (want.code != "" && f.Code != want.code) || c.HTTP != 500 || f.FaultCode == "":
			t.Errorf("%s: fault %+v (HTTP %d), want %s %s", name, *f, c.HTTP, want.element, want.code)
		case want.detail != "" && f.Detail["SignatureVerificationFault"] != want.detail:
			t.Errorf("%s: SignatureVerificationFault %v, want %s", name, f.Detail["SignatureVerificationFault"], want.detail)
		case want.element == "InvalidContent":
			if errs, _ := f.Detail["ValidationError"].([]any); len(errs) == 0 {
				t.Errorf("%s: no ValidationError", name)
			}
		}
	}

	// The hub's side: what zeep sent was stored as sent, delivered and
	// acknowledged, and the refused calls are in the journal.
	req, err := h.Store.Message(ctx, s.Flow.MessageID)
	if err != nil {
		t.Fatalf("the request is not in the store: %v", err)
	}
	if req.Sender != "COURT01" || !slices.Equal(req.Recipients, []string{"FSSP01"}) || req.TransactionCode != s.Flow.TransactionCode ||
		!bytes.Contains(req.Envelope, []byte("<soap-env:Envelope")) || !bytes.Contains(req.Envelope, []byte("AttachmentContent")) {
		t.Errorf("stored request: sender %s, recipients %v, transaction %q; envelope as zeep wrote it: %.300s",
			req.Sender, req.Recipients, req.TransactionCode, req.Envelope)
	}
	resp, err := h.Store.Message(ctx, s.Flow.ResponseMessageID)
	if err != nil {
		t.Fatalf("the response is not in the store: %v", err)
	}
	if resp.Kind != store.Response || resp.RequestID != s.Flow.MessageID || resp.Sender != "FSSP01" {
		t.Errorf("stored response: kind %v, answers %s, sender %s", resp.Kind, resp.RequestID, resp.Sender)
	}
	events := map[string][]string{}
	rejected := map[string]bool{}
	err = h.Store.Journal(ctx, 0, func(r store.Record) error {
		events[r.MessageID] = append(events[r.MessageID], r.Event)
		if r.Event == store.EventRejected {
			rejected[r.Detail] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{store.EventReceived, store.EventQueued, store.EventLeased, store.EventAcked, store.EventResponseLinked} {
		if !slices.Contains(events[s.Flow.MessageID], e) {
			t.Errorf("journal of the request: %v, no %s", events[s.Flow.MessageID], e)
		}
	}
	if n := slices.Index(events[s.Flow.MessageID], store.EventReceived); n < 0 || slices.Contains(events[s.Flow.MessageID][n+1:], store.EventReceived) {
		t.Errorf("the request, sent twice with the same bytes, was not received exactly once: %v", events[s.Flow.MessageID])
	}
	for _, code := range []string{"MZ-3003", "MZ-2001", "MZ-2003", "MZ-5001"} {
		if !rejected[code] {
			t.Errorf("no rejection %s in the journal (rejections: %v)", code, rejected)
		}
	}
	bc, err := h.Store.Message(ctx, s.Flow.Broadcast.MessageID)
	if err != nil {
		t.Fatalf("the broadcast request is not in the store: %v", err)
	}
	if got := slices.Sorted(slices.Values(bc.Recipients)); !slices.Equal(got, []string{"BANK044525225", "BANK044525593"}) {
		t.Errorf("broadcast recipients: %v", got)
	}
	if n := strings.Count(strings.Join(events[bc.ID], " "), store.EventAcked); n != 2 {
		t.Errorf("broadcast journal: %v, want 2 acks", events[bc.ID])
	}
	if refused, _ := s.Flow.Refusals["refusedRequest"].(string); refused == "" || !slices.Contains(events[refused], store.EventRefused) {
		t.Errorf("the request refused with Ack accepted=false: journal %v", events[refused])
	}
}
