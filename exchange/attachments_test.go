package exchange_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"mezhved/exchange"
	"mezhved/exchange/cms"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// TestAttachments: headers and contents match one to one, the MIME type
// follows its pattern, and a detached CMS signature (SignaturePKCS7) is
// verified over the attachment's bytes, its signer's certificate against the
// trust store.
func TestAttachments(t *testing.T) {
	now := time.Now()
	e := newEnv(t, exchange.Options{})
	file := []byte("%PDF-1.4 электронный образ исполнительного листа")
	other := []byte("%PDF-1.4 another file")
	foreign, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "X", Name: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(id pki.Identity, content []byte) []byte {
		der, err := cms.SignDetached(content, id.Key, []*x509.Certificate{id.Certificate}, now)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	court := e.pki.Participants["COURT01"]
	writ := func(h soap.AttachmentHeader, content []byte) []byte {
		h.ContentID = "att-1"
		doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, now), Content: payload(t, "Writ"),
			AttachmentHeaders: []soap.AttachmentHeader{h}}, []soap.Attachment{{ID: "att-1", Content: base64.StdEncoding.EncodeToString(content)}})
		return e.signed(t, "COURT01", doc)
	}
	tests := []struct {
		name   string
		raw    []byte
		want   *fault.Kind
		detail string
	}{
		{name: "unsigned attachment", raw: writ(soap.AttachmentHeader{MimeType: "application/pdf"}, file)},
		{name: "signed by the sender", raw: writ(soap.AttachmentHeader{MimeType: "application/pdf", SignaturePKCS7: sign(court, file)}, file)},
		{name: "signed by another trusted party", raw: writ(soap.AttachmentHeader{MimeType: "application/pdf", SignaturePKCS7: sign(e.pki.Participants["FSSP01"], file)}, file)},
		{name: "signature over another file", raw: writ(soap.AttachmentHeader{MimeType: "application/pdf", SignaturePKCS7: sign(court, other)}, file),
			want: fault.AttachmentSignature, detail: "messageDigest"},
		{name: "signer from an untrusted CA", raw: writ(soap.AttachmentHeader{MimeType: "application/pdf", SignaturePKCS7: sign(foreign.Participants["X"], file)}, file),
			want: fault.AttachmentSignature, detail: "certificate"},
		{name: "not CMS", raw: writ(soap.AttachmentHeader{MimeType: "application/pdf", SignaturePKCS7: []byte("not a signature")}, file),
			want: fault.AttachmentSignature},
		{name: "MIME type outside the pattern", raw: writ(soap.AttachmentHeader{MimeType: "pdf"}, file), want: fault.Schema, detail: "MimeType"},
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
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("err = %v, want %s %s (%q)", err, tc.want.Code, tc.want.Name, tc.detail)
			}
		})
	}
}

// TestResponseWithoutPayloadAttachments: a response that carries no payload
// (a rejection, a status) has no attachment headers (the schema puts them
// beside a payload), so any attachment content it carries is refused as
// unannounced: none gets through unsigned, unlisted and beyond the limit.
func TestResponseWithoutPayloadAttachments(t *testing.T) {
	now := time.Now()
	e := newEnv(t, exchange.Options{AttachmentLimit: 1000})
	small := []soap.Attachment{{ID: "a1", Content: base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 small"))}}
	large := []soap.Attachment{{ID: "a1", Content: strings.Repeat("QUFB", 1<<20)}, {ID: "a2", Content: "QUFB"}} // 3 MiB
	rejection := &soap.ResponseData{MessageID: v1At(t, now), To: "reply-to", Rejections: []soap.Rejection{{Code: "NO_DATA", Description: "no such debtor"}}}
	status := &soap.ResponseData{MessageID: v1At(t, now), To: "reply-to", Status: &soap.RequestStatus{Code: 1, Description: "in progress"}}
	tests := []struct {
		name string
		data *soap.ResponseData
		atts []soap.Attachment
		want *fault.Kind
	}{
		{"rejection", rejection, nil, nil},
		{"status", status, nil, nil},
		{"rejection with an attachment", rejection, small, fault.AttachmentMiscoordination},
		{"status with an attachment", status, small, fault.AttachmentMiscoordination},
		{"rejection with attachments over the limit", rejection, large, fault.AttachmentMiscoordination},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := e.signed(t, "FSSP01", soap.NewSendResponse(soap.V11, tc.data, tc.atts))
			_, err := e.in.Check(context.Background(), raw)
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
