package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"testing"
	"time"
)

// FuzzVerifyDetached: VerifyDetached never panics; what it accepts names a
// signer among the certificates it returns, and is refused for any other
// content (the signature binds the content's digest).
func FuzzVerifyDetached(f *testing.F) {
	rsaKey := sharedKey(f, "rsa2048")
	p256 := sharedKey(f, "p256")
	for _, k := range []*testKey{rsaKey, p256} {
		der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert, k.ca}, time.Now())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der, attachment)
		f.Add(der, []byte("other content"))
		f.Add(der[:len(der)/2], attachment)
		f.Add(append(bytes.Clone(der), 0), attachment)
		f.Add(flip(der, len(der)-1), attachment)
	}
	for _, s := range []spec{
		{signer: p256, noAttrs: true},
		{signer: p256, ski: true},
		{signer: rsaKey, hash: crypto.SHA1},
		{signer: rsaKey, hash: crypto.SHA384, sigOID: oidSHA384WithRSA},
		{signer: p256, eContent: []byte("inside")},
		{signer: p256, others: []spec{{signer: rsaKey}}},
	} {
		s.content = attachment
		f.Add(s.der(f), attachment)
	}
	f.Add([]byte{}, []byte{})
	f.Add([]byte{0x30, 0x80, 0x00, 0x00}, []byte{})

	f.Fuzz(func(t *testing.T, der, content []byte) {
		for _, opts := range []*Options{nil, {AllowWeak: true}} {
			got, err := VerifyDetached(der, content, opts)
			if err != nil {
				continue
			}
			if got.Signer == nil || len(got.Signers) == 0 || got.Signers[0].Certificate != got.Signer {
				t.Fatalf("verified without a consistent signer: %+v", got)
			}
			for _, s := range got.Signers {
				found := false
				for _, c := range got.Certificates {
					found = found || c == s.Certificate
				}
				if !found {
					t.Fatalf("signer %s is not among the certificates", s.Certificate.Subject)
				}
			}
			if _, err := VerifyDetached(der, append(bytes.Clone(content), 0), opts); err == nil {
				t.Fatalf("verified for content %q and for the same with one more byte", content)
			}
		}
	})
}
