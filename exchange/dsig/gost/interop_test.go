package gost_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mezhved/exchange/cms"
	"mezhved/exchange/dsig"
	"mezhved/exchange/dsig/gost"
	"mezhved/exchange/pki"
)

// openssl runs the openssl command with the GOST engine (Debian package
// libengine-gost-openssl), an implementation independent of ours. Without it
// the interop tests skip, unless MEZHVED_REQUIRE_INTEROP=1 (CI) makes that a
// failure.
func openssl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func requireGOSTEngine(t *testing.T) {
	t.Helper()
	if err := exec.Command("openssl", "engine", "-t", "gost").Run(); err != nil {
		if os.Getenv("MEZHVED_REQUIRE_INTEROP") == "1" {
			t.Fatalf("openssl with the GOST engine is required (apt-get install libengine-gost-openssl): %v", err)
		}
		t.Skip("openssl with the GOST engine is not installed")
	}
}

// TestInteropOpenSSL checks our GOST against the OpenSSL GOST engine: hashes,
// certificates, keys, signatures and CRLs, both ways.
func TestInteropOpenSSL(t *testing.T) {
	requireGOSTEngine(t)
	dir := t.TempDir()
	b := bundle(t)
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}

	t.Run("streebog", func(t *testing.T) {
		for _, n := range []int{0, 1, 63, 64, 65, 1000} {
			data := make([]byte, n)
			rand.Read(data)
			f := filepath.Join(dir, "data.bin")
			os.WriteFile(f, data, 0o644)
			out := openssl(t, dir, "dgst", "-engine", "gost", "-md_gost12_256", "-r", "data.bin")
			h := gost.NewHash()
			h.Write(data)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if theirs := strings.Fields(lines[len(lines)-1])[0]; theirs != hex.EncodeToString(h.Sum(nil)) {
				t.Fatalf("%d bytes: openssl %s, ours %x", n, theirs, h.Sum(nil))
			}
		}
	})

	t.Run("our certificates verify in openssl", func(t *testing.T) {
		openssl(t, dir, "verify", "-engine", "gost", "-CAfile", "ca.crt", "COURT01.crt", "hub.crt")
	})

	data := []byte("исполнительный лист ФС № 045123456")
	os.WriteFile(filepath.Join(dir, "msg.txt"), data, 0o644)
	h := gost.NewHash()
	h.Write(data)
	digest := h.Sum(nil)
	court := b.Participants["COURT01"]
	pub := court.Key.Public().(*gost.PublicKey)

	t.Run("openssl signs with our key, we verify", func(t *testing.T) {
		openssl(t, dir, "dgst", "-engine", "gost", "-md_gost12_256", "-sign", "COURT01.key", "-out", "msg.sig", "msg.txt")
		sig, _ := os.ReadFile(filepath.Join(dir, "msg.sig"))
		if err := gost.Verify(pub, digest, sig); err != nil {
			t.Fatalf("openssl's signature: %v", err)
		}
	})

	t.Run("we sign, openssl verifies", func(t *testing.T) {
		sig, err := court.Key.Sign(nil, digest, nil)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "ours.sig"), sig, 0o644)
		openssl(t, dir, "x509", "-engine", "gost", "-in", "COURT01.crt", "-pubkey", "-noout", "-out", "court.pub")
		openssl(t, dir, "dgst", "-engine", "gost", "-md_gost12_256", "-verify", "court.pub", "-signature", "ours.sig", "msg.txt")
		sig[10] ^= 1
		os.WriteFile(filepath.Join(dir, "bad.sig"), sig, 0o644)
		cmd := exec.Command("openssl", "dgst", "-engine", "gost", "-md_gost12_256", "-verify", "court.pub", "-signature", "bad.sig", "msg.txt")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Fatalf("openssl accepted a changed signature: %s", out)
		}
	})

	t.Run("openssl's keys and certificates read and verify here", func(t *testing.T) {
		for _, set := range []string{"A", "B", "C", "TCA", "TCB", "TCC", "TCD", "XA", "XB"} {
			key, crt := "o"+set+".key", "o"+set+".crt"
			openssl(t, dir, "genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:"+set, "-out", key)
			openssl(t, dir, "req", "-engine", "gost", "-x509", "-new", "-key", key, "-subj", "/CN=openssl "+set, "-days", "30", "-md_gost12_256",
				"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature", "-out", crt)
			k, certs, err := pki.LoadIdentity(filepath.Join(dir, key), filepath.Join(dir, crt))
			if err != nil {
				t.Fatalf("%s: %v", set, err)
			}
			p, err := dsig.PublicKey(certs[0])
			if err != nil {
				t.Fatalf("%s: %v", set, err)
			}
			if !k.Public().(*gost.PublicKey).Equal(p) {
				t.Fatalf("%s: the key and the certificate disagree", set)
			}
			if err := dsig.CheckSignatureFrom(certs[0], certs[0]); err != nil {
				t.Fatalf("%s: openssl's self-signed certificate: %v", set, err)
			}
			// And a signature made here with openssl's key verifies there.
			sig, err := k.Sign(nil, digest, nil)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "o.sig"), sig, 0o644)
			openssl(t, dir, "x509", "-engine", "gost", "-in", crt, "-pubkey", "-noout", "-out", "o.pub")
			openssl(t, dir, "dgst", "-engine", "gost", "-md_gost12_256", "-verify", "o.pub", "-signature", "o.sig", "msg.txt")
		}
	})

	t.Run("our CRL verifies in openssl", func(t *testing.T) {
		now := time.Now()
		der, err := pki.CreateCRL(&x509.RevocationList{Number: big.NewInt(7), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: court.Certificate.SerialNumber, RevocationTime: now.Add(-time.Second), ReasonCode: 1}},
		}, b.CA.Certificate, b.CA.Key)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "ca.crl"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644)
		// openssl crl takes no -engine option: a configuration loads it.
		conf := filepath.Join(dir, "gost.cnf")
		os.WriteFile(conf, []byte("openssl_conf = init\n[init]\nengines = engines\n[engines]\ngost = gost_section\n[gost_section]\nengine_id = gost\ndefault_algorithms = ALL\n"), 0o644)
		t.Setenv("OPENSSL_CONF", conf)
		out := openssl(t, dir, "crl", "-in", "ca.crl", "-CAfile", "ca.crt", "-noout", "-text")
		if !strings.Contains(out, "verify OK") || !strings.Contains(out, "Key Compromise") {
			t.Fatalf("openssl on our CRL:\n%s", out)
		}
		if !bytes.Contains([]byte(strings.ToUpper(out)), []byte(strings.ToUpper(court.Certificate.SerialNumber.Text(16)))) {
			t.Fatalf("openssl does not list the revoked serial:\n%s", out)
		}
	})
}

// TestInteropCMS: detached CMS signatures of attachments, GOST both ways
// with OpenSSL.
func TestInteropCMS(t *testing.T) {
	requireGOSTEngine(t)
	dir := t.TempDir()
	b := bundle(t)
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("%PDF-1.4 электронный образ исполнительного листа\n"), 200)
	os.WriteFile(filepath.Join(dir, "att.pdf"), content, 0o644)
	court := b.Participants["COURT01"]

	openssl(t, dir, "cms", "-sign", "-engine", "gost", "-binary", "-md", "md_gost12_256", "-in", "att.pdf",
		"-signer", "COURT01.crt", "-inkey", "COURT01.key", "-outform", "DER", "-out", "att.p7s")
	der, _ := os.ReadFile(filepath.Join(dir, "att.p7s"))
	s, err := cms.VerifyDetached(der, content, nil)
	if err != nil {
		t.Fatalf("openssl's GOST CMS: %v", err)
	}
	if s.Signer.Subject.CommonName != "COURT01" {
		t.Fatalf("signer %s", s.Signer.Subject)
	}
	changed := bytes.Clone(content)
	changed[100] ^= 1
	if _, err := cms.VerifyDetached(der, changed, nil); !errors.Is(err, cms.ErrSignature) {
		t.Fatalf("openssl's GOST CMS over changed content: %v", err)
	}

	ours, err := cms.SignDetached(content, court.Key, []*x509.Certificate{court.Certificate}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ours.p7s"), ours, 0o644)
	openssl(t, dir, "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", "ours.p7s", "-content", "att.pdf",
		"-CAfile", "ca.crt", "-purpose", "any", "-out", os.DevNull)
	os.WriteFile(filepath.Join(dir, "changed.pdf"), changed, 0o644)
	cmd := exec.Command("openssl", "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", "ours.p7s", "-content", "changed.pdf",
		"-CAfile", "ca.crt", "-purpose", "any", "-out", os.DevNull)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("openssl accepted our CMS over changed content: %s", out)
	}
}
