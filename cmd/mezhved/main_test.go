package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const examples = "../../schemas/examples"

// mezhved runs one command line in process.
func mezhved(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"check"},
		{"check", "--bogus", "x"},
		{"dsig"},
		{"dsig", "sign"},
		{"dsig", "verify"},
		{"ident", "inn"},
		{"ident", "color", "red"},
		{"ident", "account", "30101810400000000225"},
		{"pki", "init"},
		{"pki", "init", "--dir", "x", "--alg", "dsa"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			if code, _, _ := mezhved(t, "", args...); code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
		})
	}
}

func TestCheckExamples(t *testing.T) {
	good, _ := filepath.Glob(filepath.Join(examples, "*.xml"))
	bad, _ := filepath.Glob(filepath.Join(examples, "invalid", "*.xml"))
	trust := filepath.Join(examples, "pki")

	code, out, errs := mezhved(t, "", append([]string{"check", "--trust", trust}, good...)...)
	if code != 0 || strings.Count(out, ": OK\n") != len(good) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = mezhved(t, "", append([]string{"check", "--trust", trust}, bad...)...)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		file, rest, _ := strings.Cut(line, ": ")
		name := strings.Split(filepath.Base(file), ".")[0]
		if !strings.HasPrefix(rest, name+": ") {
			t.Errorf("line %q does not name fault %s", line, name)
		}
	}
	// One good and one bad: exit 1, one line each.
	code, out, _ = mezhved(t, "", "check", "--trust", trust, good[0], bad[0])
	if code != 1 || strings.Count(out, "\n") != 2 {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestCheckJSON(t *testing.T) {
	trust := filepath.Join(examples, "pki")
	file := filepath.Join(examples, "invalid", "InvalidContent.identifier-inn-check-digit.xml")
	code, out, _ := mezhved(t, "", "check", "--json", "--trust", trust, file, filepath.Join(examples, "decree.send-request.xml"))
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var bad, good jsonResult
	if err := json.Unmarshal([]byte(lines[0]), &bad); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &good); err != nil {
		t.Fatal(err)
	}
	if bad.OK || bad.Fault.Code != "MZ-2002" || bad.Fault.Retry != "fix-and-resend" || len(bad.Fault.Positions) != 1 ||
		!strings.HasSuffix(bad.Fault.Positions[0].Path, "/Person/INN") {
		t.Fatalf("bad = %+v", bad)
	}
	if !good.OK || good.Sender != "FSSP01" || good.Type != "decree" || strings.Join(good.To, ",") != "BANK044525225" {
		t.Fatalf("good = %+v", good)
	}
}

func TestCheckAllowUnsigned(t *testing.T) {
	unsigned := filepath.Join(examples, "invalid", "SignatureVerificationFault.NoSignatureFound.unsigned.xml")
	if code, out, _ := mezhved(t, "", "check", "--allow-unsigned", unsigned); code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if code, out, _ := mezhved(t, "", "check", "--trust", filepath.Join(examples, "pki"), unsigned); code != 1 || !strings.Contains(out, "NoSignatureFound") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestTransformReference(t *testing.T) {
	ins, _ := filepath.Glob("../../../shared/reference/smev3/transform/example-*.in.xml")
	if len(ins) == 0 {
		t.Skip("reference examples not beside the project")
	}
	for _, in := range ins {
		data, _ := os.ReadFile(in)
		want, _ := os.ReadFile(strings.Replace(in, ".in.", ".out.", 1))
		code, out, errs := mezhved(t, string(data), "dsig", "transform")
		if code != 0 || out != string(want) {
			t.Fatalf("%s: exit %d %s\n got %q\nwant %q", in, code, errs, out, want)
		}
	}
}

func TestIdent(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"inn", "7707083893"}, 0},
		{[]string{"inn", "7707083894"}, 1},
		{[]string{"ogrn", "1027700132195"}, 0},
		{[]string{"snils", "112-233-445 95"}, 0},
		{[]string{"bic", "044525225"}, 0},
		{[]string{"account", "30101810400000000225", "044525225"}, 0},
		{[]string{"account", "30101810400000000226", "044525225"}, 1},
		{[]string{"vin", "1HGCM82633A004352"}, 0},
		{[]string{"vin", "1HGCM82633A00435O"}, 1},
		{[]string{"cadastral", "77:01:0001001:1234"}, 0},
		{[]string{"proceeding", "12345/24/77001-ИП"}, 0},
		{[]string{"proceeding", "12345/24/77001-IP"}, 1},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			code, _, errs := mezhved(t, "", append([]string{"ident"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errs)
			}
			if code == 1 && errs == "" {
				t.Fatal("no reason on stderr")
			}
		})
	}
}

// TestSignVerify: pki init, dsig sign of an unsigned envelope, dsig verify,
// and check all agree; a one-byte change is refused.
func TestSignVerify(t *testing.T) {
	dir := t.TempDir()
	pki := filepath.Join(dir, "pki")
	// Every algorithm of this build: with the tag gost, GOST too.
	for _, alg := range strings.Split(algList(), "|") {
		t.Run(alg, func(t *testing.T) {
			p := filepath.Join(pki, alg)
			if code, _, errs := mezhved(t, "", "pki", "init", "--dir", p, "--alg", alg); code != 0 {
				t.Fatal(errs)
			}
			if code, _, _ := mezhved(t, "", "pki", "init", "--dir", p); code != 1 {
				t.Fatal("pki init overwrote an existing PKI")
			}
			unsigned, err := os.ReadFile(filepath.Join(examples, "invalid", "SignatureVerificationFault.NoSignatureFound.unsigned.xml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, profile := range []string{"smev", "standard"} {
				code, signed, errs := mezhved(t, string(unsigned), "dsig", "sign", "--key", filepath.Join(p, "COURT01.key"), "--cert", filepath.Join(p, "COURT01.crt"), "--profile", profile)
				if code != 0 {
					t.Fatal(errs)
				}
				code, subject, errs := mezhved(t, signed, "dsig", "verify", "--trust", filepath.Join(p, "ca.crt"))
				if code != 0 || !strings.Contains(subject, "CN=COURT01") {
					t.Fatalf("verify: exit %d %s %s", code, subject, errs)
				}
				f := filepath.Join(dir, alg+profile+".xml")
				if err := os.WriteFile(f, []byte(signed), 0o644); err != nil {
					t.Fatal(err)
				}
				if code, out, _ := mezhved(t, "", "check", "--trust", p, f); code != 0 {
					t.Fatalf("check: %s", out)
				}
				tampered := strings.Replace(signed, "348912.45", "348912.46", 1)
				if code, _, errs := mezhved(t, tampered, "dsig", "verify", "--trust", filepath.Join(p, "ca.crt")); code != 1 || !strings.Contains(errs, "digest") {
					t.Fatalf("tampered: exit %d %s", code, errs)
				}
			}
		})
	}
}

// TestVerifyHubReply: dsig verify checks the hub's signature of a reply.
func TestVerifyHubReply(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examples, "replies", "send-request-response.xml"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := mezhved(t, string(data), "dsig", "verify", "--trust", filepath.Join(examples, "pki", "ca.crt"))
	if code != 0 || !strings.Contains(out, "CN=HUB") {
		t.Fatalf("exit %d %s %s", code, out, errs)
	}
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

const typesNS = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1"

// TestInteropXmlsec1 exercises the command-line contract with xmlsec1 in both
// directions.
func TestInteropXmlsec1(t *testing.T) {
	bin := xmlsec1(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "pki")
	if code, _, errs := mezhved(t, "", "pki", "init", "--dir", p); code != 0 {
		t.Fatal(errs)
	}
	unsigned, err := os.ReadFile(filepath.Join(examples, "invalid", "SignatureVerificationFault.NoSignatureFound.unsigned.xml"))
	if err != nil {
		t.Fatal(err)
	}

	// mezhved signs with the standard profile; xmlsec1 verifies.
	code, signed, errs := mezhved(t, string(unsigned), "dsig", "sign", "--profile", "standard", "--key", filepath.Join(p, "COURT01.key"), "--cert", filepath.Join(p, "COURT01.crt"))
	if code != 0 {
		t.Fatal(errs)
	}
	f := filepath.Join(dir, "signed.xml")
	if err := os.WriteFile(f, []byte(signed), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--verify", "--trusted-pem", filepath.Join(p, "ca.crt"), "--id-attr:Id", typesNS+":SenderProvidedRequestData", f).CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1 --verify: %v\n%s", err, out)
	}

	// xmlsec1 signs a template; mezhved verifies.
	tmpl := strings.Replace(string(unsigned), "</smev:SenderProvidedRequestData>", "</smev:SenderProvidedRequestData><smev:CallerInformationSystemSignature>"+
		`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>`+
		`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`+
		`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>`+
		`<ds:Reference URI="#SIGNED_BY_CALLER"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>`+
		`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>`+
		`<ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature></smev:CallerInformationSystemSignature>`, 1)
	tf := filepath.Join(dir, "template.xml")
	if err := os.WriteFile(tf, []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--sign", "--privkey-pem", filepath.Join(p, "COURT01.key")+","+filepath.Join(p, "COURT01.crt"),
		"--id-attr:Id", typesNS+":SenderProvidedRequestData", tf).Output()
	if err != nil {
		t.Fatalf("xmlsec1 --sign: %v", err)
	}
	if code, subject, errs := mezhved(t, string(out), "dsig", "verify", "--trust", p); code != 0 || !strings.Contains(subject, "CN=COURT01") {
		t.Fatalf("verify what xmlsec1 signed: exit %d %s %s", code, subject, errs)
	}
	xf := filepath.Join(dir, "xmlsec1-signed.xml")
	if err := os.WriteFile(xf, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, o, _ := mezhved(t, "", "check", "--trust", p, xf); code != 0 {
		t.Fatalf("check what xmlsec1 signed: %s", o)
	}
}
