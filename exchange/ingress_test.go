package exchange_test

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"golang.org/x/text/encoding/charmap"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/schemas"
)

const examples = "../schemas/examples"

var (
	setOnce sync.Once
	set     *schemas.Set
	setErr  error
)

// schemaSet compiles the development registry's schemas once per test
// binary.
func schemaSet(t testing.TB) *schemas.Set {
	t.Helper()
	setOnce.Do(func() {
		reg, err := registry.Dev("")
		if err != nil {
			setErr = err
			return
		}
		set, setErr = schemas.Compile(context.Background(), reg.SchemaSources(), 0)
	})
	if setErr != nil {
		t.Fatal(setErr)
	}
	return set
}

// exampleIngress checks envelopes as `mezhved check --trust schemas/examples/pki` does.
func exampleIngress(t testing.TB) *exchange.Ingress {
	t.Helper()
	dir := filepath.Join(examples, "pki")
	trust, err := dsig.LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Dev(dir)
	if err != nil {
		t.Fatal(err)
	}
	in, err := exchange.NewIngress(reg, schemaSet(t), dsig.NewVerifier(trust, nil), exchange.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestExamplesAccepted(t *testing.T) {
	in := exampleIngress(t)
	files, _ := filepath.Glob(filepath.Join(examples, "*.xml"))
	if len(files) < 16+7 {
		t.Fatalf("only %d examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a, err := in.Check(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			if a.Sender == nil || a.Verified == nil || a.Verified.Element != a.Call.Signed {
				t.Fatal("accepted without a verified sender")
			}
			if a.Call.Operation == soap.SendRequest && len(a.Recipients) == 0 {
				t.Fatal("a request without recipients")
			}
		})
	}
}

// TestExamplesRejected: every invalid example is named
// <FaultName>[.<SignatureCode>].<what>.xml and must raise that fault.
func TestExamplesRejected(t *testing.T) {
	in := exampleIngress(t)
	files, _ := filepath.Glob(filepath.Join(examples, "invalid", "*.xml"))
	if len(files) < 15 {
		t.Fatalf("only %d invalid examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			parts := strings.Split(filepath.Base(f), ".")
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = in.Check(context.Background(), data)
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a fault", err)
			}
			if fe.Kind.Name != parts[0] {
				t.Fatalf("fault %s (%v), want %s", fe.Kind.Name, err, parts[0])
			}
			if fe.Kind.SignatureCode != "" && fe.Kind.SignatureCode != parts[1] {
				t.Fatalf("signature code %s, want %s", fe.Kind.SignatureCode, parts[1])
			}
		})
	}
}

// env builds ingress fixtures around a fresh PKI.
type env struct {
	pki *pki.Bundle
	reg *registry.Registry
	in  *exchange.Ingress
}

func newEnv(t testing.TB, opts exchange.Options) *env {
	t.Helper()
	return newEnvWith(t, opts, pki.ECDSA)
}

// newEnvWith builds the fixtures with keys of one algorithm.
func newEnvWith(t testing.TB, opts exchange.Options, alg pki.Algorithm) *env {
	t.Helper()
	dir := t.TempDir()
	cfg, err := registry.DevConfig()
	if err != nil {
		t.Fatal(err)
	}
	var parties []pki.Party
	for _, p := range cfg.Participants {
		parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
	}
	b, err := pki.Generate(pki.Options{Algorithm: alg, Participants: parties})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Dev(dir)
	if err != nil {
		t.Fatal(err)
	}
	in, err := exchange.NewIngress(reg, schemaSet(t), dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{pki: b, reg: reg, in: in}
}

func payload(t testing.TB, root string) *etree.Element {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../schemas/payloads", root+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

func (e *env) signed(t testing.TB, who string, doc *etree.Document) []byte {
	t.Helper()
	id := e.pki.Participants[who]
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := soap.SignCall(doc.Root(), s); err != nil {
		t.Fatal(err)
	}
	out, err := soap.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

func v1At(t testing.TB, at time.Time) string {
	t.Helper()
	// A version 1 UUID whose timestamp is at (100 ns since 1582-10-15).
	u := uuid.Must(uuid.NewUUID())
	ts := uint64(at.UnixNano()/100) + 0x01B21DD213814000
	u[0], u[1], u[2], u[3] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	u[4], u[5] = byte(ts>>40), byte(ts>>32)
	u[6], u[7] = byte(ts>>56)&0x0f|0x10, byte(ts>>48)
	return u.String()
}

func TestIngressRules(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, exchange.Options{StaleAfter: 24 * time.Hour, CheckEOL: true, Now: func() time.Time { return now }, AttachmentLimit: 1000})
	writ := func(mutate func(*soap.RequestData), atts []soap.Attachment) *etree.Document {
		d := &soap.RequestData{MessageID: v1At(t, now.Add(-time.Minute)), Content: payload(t, "Writ")}
		if mutate != nil {
			mutate(d)
		}
		return soap.NewSendRequest(soap.V11, d, atts)
	}
	big := soap.Attachment{ID: "a", Content: strings.Repeat("QUFB", 400)} // 1,200 bytes
	tests := []struct {
		name string
		raw  []byte
		want *fault.Kind
	}{
		{name: "accepted", raw: e.signed(t, "COURT01", writ(nil, nil))},
		{name: "stale", raw: e.signed(t, "COURT01", writ(func(d *soap.RequestData) { d.MessageID = v1At(t, now.Add(-48*time.Hour)) }, nil)), want: fault.StaleMessageID},
		{name: "from the future", raw: e.signed(t, "COURT01", writ(func(d *soap.RequestData) { d.MessageID = v1At(t, now.Add(time.Hour)) }, nil)), want: fault.StaleMessageID},
		{name: "upper-case MessageID", raw: e.signed(t, "COURT01", writ(func(d *soap.RequestData) { d.MessageID = strings.ToUpper(v1At(t, now)) }, nil)), want: fault.Schema},
		{name: "empty input", raw: nil, want: fault.XMLMalformed},
		{name: "EOL passed", raw: e.signed(t, "COURT01", writ(func(d *soap.RequestData) { d.EOL = now.Add(-time.Second) }, nil)), want: fault.EndOfLife},
		{name: "EOL ahead", raw: e.signed(t, "COURT01", writ(func(d *soap.RequestData) { d.EOL = now.Add(time.Hour) }, nil))},
		{name: "attachments over the default limit", raw: e.signed(t, "EPGU01", soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, now),
			Content: payload(t, "PaymentNotice"), AttachmentHeaders: []soap.AttachmentHeader{{ContentID: "a", MimeType: "application/pdf"}}}, []soap.Attachment{big})), want: fault.AttachmentTooLarge},
		{name: "attachments within the type's limit", raw: e.signed(t, "COURT01", writ(func(d *soap.RequestData) {
			d.AttachmentHeaders = []soap.AttachmentHeader{{ContentID: "a", MimeType: "application/pdf"}}
		}, []soap.Attachment{big}))},
		{name: "content without header", raw: e.signed(t, "COURT01", writ(nil, []soap.Attachment{{ID: "a", Content: "AA=="}})), want: fault.AttachmentMiscoordination},
		{name: "response type sent as request", raw: e.signed(t, "FSSP01", soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, now), Content: payload(t, "WritAnswer")}, nil)), want: fault.UnsupportedType},
		{name: "get request for a type the caller does not provide", raw: e.signed(t, "COURT01", soap.NewGetRequest(soap.V11, &soap.Selector{Timestamp: now, NamespaceURI: "urn://mezhved/enforcement/writ/1.0", RootElementLocalName: "Writ"})), want: fault.UnknownMessageType},
		{name: "two payload roots", raw: []byte(strings.Replace(string(e.signed(t, "COURT01", writ(nil, nil))), "</basic:MessagePrimaryContent>", "<x:Extra xmlns:x=\"urn://x\"/></basic:MessagePrimaryContent>", 1)), want: fault.Schema},
		{name: "unknown operation", raw: []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><t:CancelRequest xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1"/></soap:Body></soap:Envelope>`), want: fault.EnvelopeStructure},
		{name: "not SOAP", raw: []byte(`<a/>`), want: fault.Schema},
		{name: "windows-1251 declared and valid", raw: win1251(t, e.signed(t, "COURT01", writ(nil, nil)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.in.Check(context.Background(), tc.raw)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %s %s", err, tc.want.Code, tc.want.Name)
			}
		})
	}
}

// win1251 re-encodes a UTF-8 envelope as windows-1251 with its declaration
// saying so; the signature still verifies because it covers characters, not
// bytes.
func win1251(t *testing.T, utf8 []byte) []byte {
	t.Helper()
	s := strings.Replace(string(utf8), `encoding="UTF-8"`, `encoding="windows-1251"`, 1)
	out, err := charmap.Windows1251.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}
