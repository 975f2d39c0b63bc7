package exchange_test

import (
	"context"
	"crypto/x509"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
)

// personalSign signs the element named by target (the payload root unless
// told otherwise) with id's key and puts the signature into a
// PersonalSignature element after MessagePrimaryContent, as a sender's
// official would.
func personalSign(t testing.TB, doc *etree.Document, id pki.Identity, target string) {
	t.Helper()
	data := doc.Root().FindElement("//SenderProvidedRequestData")
	mpc := data.FindElement("MessagePrimaryContent")
	root := mpc.ChildElements()[0]
	root.CreateAttr("Id", "PERSONAL")
	el := root
	if target != "" {
		el = doc.Root().FindElement(target)
	}
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(el)
	if err != nil {
		t.Fatal(err)
	}
	ps := etree.NewElement(data.Space + ":PersonalSignature")
	ps.AddChild(sig)
	data.InsertChildAt(mpc.Index()+1, ps)
}

func TestPersonalSignature(t *testing.T) {
	now := time.Now()
	dir := t.TempDir()
	cfg, err := registry.DevConfig()
	if err != nil {
		t.Fatal(err)
	}
	var parties []pki.Party
	for _, p := range cfg.Participants {
		parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
	}
	b, err := pki.Generate(pki.Options{Participants: parties})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Participants {
		cfg.Participants[i].Certificates = []string{filepath.Join(dir, cfg.Participants[i].Mnemonic+".crt")}
	}
	for i := range cfg.Types {
		if cfg.Types[i].Name == "decree" {
			cfg.Types[i].PersonalSignature = "required"
		}
	}
	reg, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in, err := exchange.NewIngress(reg, schemaSet(t), dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil), exchange.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{pki: b, reg: reg, in: in}
	foreign, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "JUDGE", Name: "Судья"}}})
	if err != nil {
		t.Fatal(err)
	}
	official := b.Participants["FSSP01"] // the bailiff's own certificate stands for a person's
	request := func(root string) *etree.Document {
		return soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, now), Content: payload(t, root)}, nil)
	}
	tests := []struct {
		name   string
		sender string
		doc    func() *etree.Document
		want   *fault.Kind
		detail string
	}{
		{name: "optional and absent", sender: "COURT01", doc: func() *etree.Document { return request("Writ") }},
		{name: "optional and present", sender: "COURT01", doc: func() *etree.Document {
			d := request("Writ")
			personalSign(t, d, b.Participants["COURT01"], "")
			return d
		}},
		{name: "required and absent", sender: "FSSP01", doc: func() *etree.Document { return request("Decree") }, want: fault.PersonalSignature, detail: "requires a personal signature"},
		{name: "required and present", sender: "FSSP01", doc: func() *etree.Document {
			d := request("Decree")
			personalSign(t, d, official, "")
			return d
		}},
		{name: "payload changed after the personal signature", sender: "FSSP01", doc: func() *etree.Document {
			d := request("Decree")
			personalSign(t, d, official, "")
			num := d.Root().FindElement("//MessagePrimaryContent/*/DecreeDate")
			num.SetText("2024-03-16")
			return d
		}, want: fault.PersonalSignature, detail: "digest"},
		{name: "signed by a certificate of an untrusted CA", sender: "FSSP01", doc: func() *etree.Document {
			d := request("Decree")
			personalSign(t, d, foreign.Participants["JUDGE"], "")
			return d
		}, want: fault.PersonalSignature, detail: "certificate"},
		{name: "over another element than the payload root", sender: "FSSP01", doc: func() *etree.Document {
			d := request("Decree")
			personalSign(t, d, official, "//SenderProvidedRequestData")
			return d
		}, want: fault.PersonalSignature, detail: "not the <Decree>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := e.in.Check(context.Background(), e.signed(t, tc.sender, tc.doc()))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(tc.name, "present") && (a.Personal == nil || a.Personal.Element.Tag != a.Call.SendRequest.Content.Tag) {
					t.Fatalf("the personal signature was not reported as verified over the payload root: %+v", a.Personal)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("err = %v, want %s %s (%q)", err, tc.want.Code, tc.want.Name, tc.detail)
			}
		})
	}
}
