//go:build gost

package exchange_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mezhved/exchange"
	_ "mezhved/exchange/dsig/gost" // the GOST provider: GPL-3.0, under the build tag only
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// TestGOSTIngress runs the door with a GOST PKI: a signed writ is accepted
// and a changed one refused.
func TestGOSTIngress(t *testing.T) {
	e := newEnvWith(t, exchange.Options{}, pki.GOST)
	doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, time.Now()), Content: payload(t, "Writ")}, nil)
	raw := e.signed(t, "COURT01", doc)
	a, err := e.in.Check(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if a.Sender.Mnemonic != "COURT01" || !strings.Contains(a.Verified.SignatureMethod, "gostr34102012") {
		t.Fatalf("sender %s, method %s", a.Sender.Mnemonic, a.Verified.SignatureMethod)
	}
	tampered := strings.Replace(string(raw), "348912.45", "348912.46", 1)
	if tampered == string(raw) {
		t.Fatal("the amount to change is not in the payload")
	}
	if _, err := e.in.Check(context.Background(), []byte(tampered)); !errors.Is(err, fault.SignatureInvalid) {
		t.Fatalf("tampered: %v", err)
	}
}

// BenchmarkGOSTParseSchemaVerify is BenchmarkParseSchemaVerify with GOST
// R 34.10-2012 keys and Streebog digests.
func BenchmarkGOSTParseSchemaVerify(b *testing.B) {
	benchParseSchemaVerify(b, newEnvWith(b, exchange.Options{}, pki.GOST))
}

// BenchmarkGOSTSignSendRequest is BenchmarkSignSendRequest with a GOST key.
func BenchmarkGOSTSignSendRequest(b *testing.B) {
	benchSign(b, newEnvWith(b, exchange.Options{}, pki.GOST))
}
