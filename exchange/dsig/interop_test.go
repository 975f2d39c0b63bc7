package dsig_test

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
)

const typesNS = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1"

// signatureTemplate is what xmlsec1 fills in: a detached signature of the
// element with Id SIGNED_BY_CALLER, exclusive c14n only (xmlsec1 does not
// know the SMEV transform).
func signatureTemplate(method string) string {
	return `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
		`<ds:CanonicalizationMethod Algorithm="` + dsig.C14NExclusive + `"/>` +
		`<ds:SignatureMethod Algorithm="` + method + `"/>` +
		`<ds:Reference URI="#SIGNED_BY_CALLER"><ds:Transforms><ds:Transform Algorithm="` + dsig.C14NExclusive + `"/></ds:Transforms>` +
		`<ds:DigestMethod Algorithm="` + dsig.DigestSHA256 + `"/><ds:DigestValue/></ds:Reference>` +
		`</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>`
}

func xmlsec1(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("MEZHVED_REQUIRE_INTEROP") != "" {
			t.Fatal("xmlsec1 is required (MEZHVED_REQUIRE_INTEROP is set) but not installed")
		}
		t.Skip("xmlsec1 not installed")
	}
	return p
}

func TestInteropXmlsec1Signs(t *testing.T) {
	bin := xmlsec1(t)
	for _, tc := range []struct {
		alg    pki.Algorithm
		method string
	}{{pki.ECDSA, dsig.SignatureECDSASHA256}, {pki.RSA, dsig.SignatureRSASHA256}} {
		t.Run(string(tc.alg), func(t *testing.T) {
			b := testPKI(t, tc.alg)
			dir := t.TempDir()
			if err := b.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			tmpl := strings.Replace(envelope, "<CallerInformationSystemSignature/>",
				"<CallerInformationSystemSignature>"+signatureTemplate(tc.method)+"</CallerInformationSystemSignature>", 1)
			in := filepath.Join(dir, "template.xml")
			if err := os.WriteFile(in, []byte(tmpl), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "--sign",
				"--privkey-pem", filepath.Join(dir, "COURT01.key")+","+filepath.Join(dir, "COURT01.crt"),
				"--id-attr:Id", typesNS+":SenderProvidedRequestData",
				in).CombinedOutput()
			if err != nil {
				t.Fatalf("xmlsec1 --sign: %v\n%s", err, out)
			}
			v, _, err := verify(t, string(out), dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
			if err != nil {
				t.Fatalf("verify what xmlsec1 signed: %v\n%s", err, out)
			}
			if v.Certificate.Subject.CommonName != "COURT01" {
				t.Fatalf("signer %s", v.Certificate.Subject)
			}
			// And a change after signing is caught.
			if _, _, err := verify(t, strings.Replace(string(out), "15000.00", "15000.01", 1), dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil); err == nil {
				t.Fatal("tampered xmlsec1 signature verified")
			}
		})
	}
}

func TestInteropXmlsec1Verifies(t *testing.T) {
	bin := xmlsec1(t)
	for _, alg := range []pki.Algorithm{pki.ECDSA, pki.RSA} {
		t.Run(string(alg), func(t *testing.T) {
			b := testPKI(t, alg)
			dir := t.TempDir()
			if err := b.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			src := signEnvelope(t, envelope, b.Participants["COURT01"], dsig.ProfileStandard)
			check := func(doc string) ([]byte, error) {
				in := filepath.Join(dir, "signed.xml")
				if err := os.WriteFile(in, []byte(doc), 0o644); err != nil {
					t.Fatal(err)
				}
				return exec.Command(bin, "--verify", "--trusted-pem", filepath.Join(dir, "ca.crt"),
					"--id-attr:Id", typesNS+":SenderProvidedRequestData", in).CombinedOutput()
			}
			if out, err := check(src); err != nil {
				t.Fatalf("xmlsec1 --verify: %v\n%s\n%s", err, out, src)
			}
			if out, err := check(strings.Replace(src, "15000.00", "15000.01", 1)); err == nil {
				t.Fatalf("xmlsec1 verified a tampered document:\n%s", out)
			}
		})
	}
}
