package exchange_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

// benchWrit returns a signed SendRequest of about 4 KB carrying a writ.
func benchWrit(b *testing.B, e *env) []byte {
	b.Helper()
	content := payload(b, "Writ")
	if a := content.SelectElement("Attachments"); a != nil {
		content.RemoveChild(a)
	}
	// The creditor's address goes too: the envelope is then about 4 KB.
	if a := content.FindElement("Creditor/Address"); a != nil {
		a.Parent().RemoveChild(a)
	}
	doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(b, time.Now()), Content: content, TransactionCode: "bench"}, nil)
	raw := e.signed(b, "COURT01", doc)
	if len(raw) < 3800 || len(raw) > 4400 {
		b.Fatalf("the benchmark envelope is %d bytes, not about 4 KB", len(raw))
	}
	return raw
}

// BenchmarkIngressSendRequest measures the whole door for one signed 4 KB
// SendRequest (ECDSA P-256): XML parsing, schema validation of envelope and
// payload, structure, signature and certificate chain, registry, identifiers
// and routing.
func BenchmarkIngressSendRequest(b *testing.B) {
	e := newEnv(b, exchange.Options{})
	raw := benchWrit(b, e)
	ctx := context.Background()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.in.Check(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

// BenchmarkParseSchemaVerify measures what the ingress target names:
// parsing, schema validation (envelope and payload) and signature
// verification (with the certificate chain) of one signed 4 KB SendRequest.
func BenchmarkParseSchemaVerify(b *testing.B) {
	benchParseSchemaVerify(b, newEnv(b, exchange.Options{}))
}

func benchParseSchemaVerify(b *testing.B, e *env) {
	raw := benchWrit(b, e)
	ctx := context.Background()
	set := schemaSet(b)
	verifier := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{e.pki.CA.Certificate}), nil)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := xmlsafe.Parse(raw, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := set.Validate(ctx, doc.UTF8); err != nil {
			b.Fatal(err)
		}
		call, err := soap.DecodeCall(doc.Root())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := verifier.Verify(doc.Root(), call.Signature, call.Signed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

// BenchmarkIngressStages splits the door's cost by stage.
func BenchmarkIngressStages(b *testing.B) {
	e := newEnv(b, exchange.Options{})
	raw := benchWrit(b, e)
	ctx := context.Background()
	doc, err := xmlsafe.Parse(raw, nil)
	if err != nil {
		b.Fatal(err)
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		b.Fatal(err)
	}
	verifier := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{e.pki.CA.Certificate}), nil)
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := xmlsafe.Parse(raw, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("schema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := schemaSet(b).Validate(ctx, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := soap.DecodeCall(doc.Root()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := verifier.Verify(doc.Root(), call.Signature, call.Signed); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSignSendRequest measures signing the SenderProvidedRequestData of
// a 4 KB SendRequest (ECDSA P-256, SMEV profile).
func BenchmarkSignSendRequest(b *testing.B) {
	benchSign(b, newEnv(b, exchange.Options{}))
}

func benchSign(b *testing.B, e *env) {
	raw := benchWrit(b, e)
	doc, err := xmlsafe.Parse(raw, nil)
	if err != nil {
		b.Fatal(err)
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		b.Fatal(err)
	}
	id := e.pki.Participants["COURT01"]
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		b.Fatal(err)
	}
	var sig *etree.Element
	b.ReportAllocs()
	for b.Loop() {
		if sig, err = s.Sign(call.Signed); err != nil {
			b.Fatal(err)
		}
	}
	_ = sig
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}
