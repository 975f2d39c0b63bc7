package soap_test

import (
	"os"
	"path/filepath"
	"testing"

	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

// FuzzDecodeCall: decoding any well-formed document never panics, and a
// decoded call always has its operation element and signed element, and the
// field its operation needs.
func FuzzDecodeCall(f *testing.F) {
	for _, pattern := range []string{"../../schemas/examples/*.xml", "../../schemas/examples/*/*.xml", "../../schemas/testdata/envelopes/*/*.xml"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := xmlsafe.Parse(data, &xmlsafe.Options{MaxBytes: 1 << 20, MaxDepth: 64})
		if err != nil {
			return
		}
		if r, err := soap.DecodeReply(doc.Root()); err == nil && r.Fault != nil {
			_ = r.Fault.Error()
		}
		c, err := soap.DecodeCall(doc.Root())
		if err != nil {
			return
		}
		if c.Body == nil || c.Signed == nil {
			t.Fatal("a call without its operation or signed element")
		}
		switch c.Operation {
		case soap.SendRequest:
			if c.SendRequest == nil || c.SendRequest.Content == nil {
				t.Fatal("SendRequest without its data")
			}
		case soap.SendResponse:
			if c.SendResponse == nil {
				t.Fatal("SendResponse without its data")
			}
		case soap.GetRequest, soap.GetResponse:
			if c.Selector == nil {
				t.Fatal("no selector")
			}
		case soap.Ack:
			if c.Ack == nil {
				t.Fatal("no ack target")
			}
		default:
			if c.Timestamp == nil {
				t.Fatal("no timestamp")
			}
		}
	})
}
