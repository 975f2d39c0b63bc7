package main

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// startTLSServe runs the dev hub over HTTPS with the admin listener.
func startTLSServe(t *testing.T, data string) (soapURL, adminURL string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{dev: true, devTLS: true, adminListen: "127.0.0.1:0", data: data, listen: "127.0.0.1:0",
			maxEnvelope: 10 << 20, longPoll: -1, visibility: time.Minute, maxAttempts: 5, queueLimit: 1000, staleAfter: time.Hour,
			tls: tlsFlags{clientAuth: "request"}}, out, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	soapRe, adminRe := regexp.MustCompile(`listening on (\S+)`), regexp.MustCompile(`admin API on (https://\S+)/admin/`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, a := soapRe.FindStringSubmatch(out.String()), adminRe.FindStringSubmatch(out.String())
		if s != nil && a != nil {
			return "https://" + s[1], a[1]
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

// identity loads a dev PKI identity.
func identity(t *testing.T, data, name string) (pki.Identity, []*x509.Certificate) {
	t.Helper()
	key, certs, err := pki.LoadIdentity(filepath.Join(data, "pki", name+".key"), filepath.Join(data, "pki", name+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := dsig.LoadCertificates(filepath.Join(data, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	return pki.Identity{Key: key, Certificate: certs[0]}, ca
}

// participant is a client signing as signer over tlsAs's TLS connection.
func participant(t *testing.T, data, url, signer, tlsAs string) *adapters.Client {
	t.Helper()
	s, ca := identity(t, data, signer)
	conn, _ := identity(t, data, tlsAs)
	sg, err := dsig.NewSigner(s.Key, []*x509.Certificate{s.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	return &adapters.Client{URL: url + "/ws/1.1", Signer: sg,
		HTTP: adapters.NewHTTPClientTLS(adapters.ClientTLS(ca, conn.Key, []*x509.Certificate{conn.Certificate}))}
}

func wantFault(t *testing.T, err error, code string) {
	t.Helper()
	var f *soap.Fault
	if !errors.As(err, &f) || f.Code != code {
		t.Fatalf("err = %v, want fault %s", err, code)
	}
}

// TestMutualTLS: over HTTPS a participant's TLS certificate must be the
// signer's: a client with another participant's certificate can neither
// send as it nor read its queue.
func TestMutualTLS(t *testing.T) {
	data := t.TempDir()
	url, _ := startTLSServe(t, data)
	ctx := context.Background()
	writ := func() *soap.RequestData {
		return &soap.RequestData{Content: payloadFile(t, "Writ")}
	}
	court := participant(t, data, url, "COURT01", "COURT01")
	r, err := court.SendRequest(ctx, writ(), nil)
	if err != nil {
		t.Fatalf("the court over its own TLS certificate: %v", err)
	}
	impostor := participant(t, data, url, "COURT01", "FSSP01")
	_, err = impostor.SendRequest(ctx, writ(), nil)
	wantFault(t, err, "MZ-4002")
	// The bailiffs' queue holds the writ; the court's TLS certificate
	// cannot carry a poll signed by the bailiffs.
	reader := participant(t, data, url, "FSSP01", "COURT01")
	_, err = reader.GetRequest(ctx, "", "")
	wantFault(t, err, "MZ-4002")
	fssp := participant(t, data, url, "FSSP01", "FSSP01")
	g, err := fssp.GetRequest(ctx, "", "")
	if err != nil || g.Request == nil || g.Request.Data.MessageID != r.Metadata.MessageID {
		t.Fatalf("the bailiffs over their own certificate: %v %+v", err, g)
	}
	// Without a client certificate the connection is not mutual, and the
	// call stands on its signature alone.
	anon := participant(t, data, url, "COURT01", "COURT01")
	_, ca := identity(t, data, "COURT01")
	anon.HTTP = adapters.NewHTTPClientTLS(adapters.ClientTLS(ca, nil, nil))
	if _, err := anon.SendRequest(ctx, writ(), nil); err != nil {
		t.Fatalf("without a client certificate: %v", err)
	}
}

// TestAdminRolesAndDrain: the admin listener requires a client certificate;
// the operator drains the hub (new messages refused with a retryable fault,
// polls still served, not ready), the auditor may not.
func TestAdminRolesAndDrain(t *testing.T) {
	data := t.TempDir()
	url, adminURL := startTLSServe(t, data)
	ctx := context.Background()
	as := func(name string) *http.Client {
		if name == "" {
			_, ca := identity(t, data, "COURT01")
			return &http.Client{Transport: &http.Transport{TLSClientConfig: adapters.ClientTLS(ca, nil, nil)}}
		}
		id, ca := identity(t, data, name)
		return &http.Client{Transport: &http.Transport{TLSClientConfig: adapters.ClientTLS(ca, id.Key, []*x509.Certificate{id.Certificate})}}
	}
	do := func(c *http.Client, method, path, body string) (int, string, error) {
		req, _ := http.NewRequest(method, adminURL+path, strings.NewReader(body))
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if _, _, err := do(as(""), "GET", "/admin/queues", ""); err == nil {
		t.Fatal("the admin listener took a connection without a client certificate")
	} else if !strings.Contains(err.Error(), "certificate") && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "tls") {
		t.Fatalf("without a client certificate: %v", err)
	}
	if s, b, err := do(as("COURT01"), "GET", "/admin/queues", ""); err != nil || s != 403 && s != 401 {
		t.Fatalf("a participant at the admin API: %d %s %v", s, b, err)
	}
	if s, b, _ := do(as(devAuditor), "POST", "/admin/drain", `{"draining": true}`); s != 403 {
		t.Fatalf("the auditor drained: %d %s", s, b)
	}
	if s, b, _ := do(as(devAuditor), "GET", "/admin/journal?limit=1", ""); s != 200 {
		t.Fatalf("the auditor reads the journal: %d %s", s, b)
	}
	court := participant(t, data, url, "COURT01", "COURT01")
	if _, err := court.SendRequest(ctx, &soap.RequestData{Content: payloadFile(t, "Writ")}, nil); err != nil {
		t.Fatal(err)
	}
	if s, b, _ := do(as(devOperator), "POST", "/admin/drain", `{"draining": true}`); s != 200 {
		t.Fatalf("the operator drains: %d %s", s, b)
	}
	_, err := court.SendRequest(ctx, &soap.RequestData{Content: payloadFile(t, "Writ")}, nil)
	wantFault(t, err, "MZ-9002")
	if !adapters.Retryable(err) {
		t.Fatal("the drain fault is not retryable")
	}
	fssp := participant(t, data, url, "FSSP01", "FSSP01")
	if g, err := fssp.GetRequest(ctx, "", ""); err != nil || g.Request == nil {
		t.Fatalf("a poll while draining: %v", err)
	}
	if s, b, _ := do(as(devOperator), "GET", "/readyz", ""); s != 503 || !strings.Contains(b, "draining") {
		t.Fatalf("readyz while draining: %d %s", s, b)
	}
	if s, _, _ := do(as(devOperator), "POST", "/admin/drain", `{"draining": false}`); s != 200 {
		t.Fatal("undrain")
	}
	if _, err := court.SendRequest(ctx, &soap.RequestData{Content: payloadFile(t, "Writ")}, nil); err != nil {
		t.Fatalf("after the drain: %v", err)
	}
}

func payloadFile(t *testing.T, root string) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(filepath.Join("../../schemas/payloads", root+".xml")); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}
