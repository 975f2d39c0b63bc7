package cms

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openssl finds the openssl command; without it the interop tests are
// skipped, unless MEZHVED_REQUIRE_INTEROP=1 makes them required.
func openssl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("MEZHVED_REQUIRE_INTEROP") == "1" {
			t.Fatal("openssl is required (MEZHVED_REQUIRE_INTEROP=1) but not installed")
		}
		t.Skip("openssl not installed")
	}
	return p
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writePEM(t *testing.T, dir, name, blockType string, der []byte) string {
	t.Helper()
	return writeFile(t, dir, name, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

// interopFiles writes the CA, the signer's certificate and key, the
// content and a tampered copy of it.
type interopFiles struct {
	dir, ca, cert, key, content, tampered string
}

func writeInteropFiles(t *testing.T, k *testKey) interopFiles {
	t.Helper()
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(k.key)
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(string(attachment))
	tampered[len(tampered)/2] ^= 0x01
	return interopFiles{
		dir:      dir,
		ca:       writePEM(t, dir, "ca.pem", "CERTIFICATE", k.ca.Raw),
		cert:     writePEM(t, dir, "signer.pem", "CERTIFICATE", k.cert.Raw),
		key:      writePEM(t, dir, "signer.key", "PRIVATE KEY", keyDER),
		content:  writeFile(t, dir, "content.bin", attachment),
		tampered: writeFile(t, dir, "tampered.bin", tampered),
	}
}

// TestInteropOpenSSLSigns: what `openssl cms -sign` makes, detached and in
// DER, verifies here, in its variants (subjectKeyIdentifier, no signed
// attributes, SHA-384); and a flipped content byte is refused.
func TestInteropOpenSSLSigns(t *testing.T) {
	bin := openssl(t)
	for _, kind := range []string{"rsa2048", "p256"} {
		for _, variant := range []struct {
			name string
			args []string
		}{
			{"sha256", []string{"-md", "sha256"}},
			{"keyid", []string{"-md", "sha256", "-keyid"}},
			{"noattr", []string{"-md", "sha256", "-noattr"}},
			{"sha384 with CA certificate", []string{"-md", "sha384", "-certfile", "CA"}},
		} {
			t.Run(kind+"/"+variant.name, func(t *testing.T) {
				k := sharedKey(t, kind)
				f := writeInteropFiles(t, k)
				sig := filepath.Join(f.dir, "sig.der")
				args := []string{"cms", "-sign", "-binary", "-in", f.content, "-signer", f.cert, "-inkey", f.key, "-outform", "DER", "-out", sig}
				for _, a := range variant.args {
					if a == "CA" {
						a = f.ca
					}
					args = append(args, a)
				}
				if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
					t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				der, err := os.ReadFile(sig)
				if err != nil {
					t.Fatal(err)
				}
				got, err := VerifyDetached(der, attachment, nil)
				if err != nil {
					t.Fatalf("openssl's signature refused: %v", err)
				}
				if !got.Signer.Equal(k.cert) {
					t.Errorf("signer %s, want %s", got.Signer.Subject, k.cert.Subject)
				}
				if variant.name == "noattr" != got.SigningTime.IsZero() {
					t.Errorf("SigningTime %v", got.SigningTime)
				}
				tampered, _ := os.ReadFile(f.tampered)
				if _, err := VerifyDetached(der, tampered, nil); !errors.Is(err, ErrSignature) {
					t.Fatalf("tampered content: error %v, want ErrSignature", err)
				}
			})
		}
	}
}

// TestInteropOpenSSLVerifies: what SignDetached makes, `openssl cms
// -verify` accepts, chain to the CA included; and refuses when a content
// byte is flipped.
func TestInteropOpenSSLVerifies(t *testing.T) {
	bin := openssl(t)
	for _, kind := range []string{"rsa2048", "p256"} {
		t.Run(kind, func(t *testing.T) {
			k := sharedKey(t, kind)
			f := writeInteropFiles(t, k)
			der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			sig := writeFile(t, f.dir, "sig.der", der)
			verify := func(content string) ([]byte, error) {
				return exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
					"-content", content, "-CAfile", f.ca, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
			}
			if out, err := verify(f.content); err != nil {
				t.Fatalf("openssl cms -verify refused SignDetached's signature: %v\n%s", err, out)
			}
			if out, err := verify(f.tampered); err == nil {
				t.Fatalf("openssl cms -verify accepted a flipped content byte\n%s", out)
			}
		})
	}
}

// TestInteropOpenSSLSHA1: an RSA signature OpenSSL makes with SHA-1 is
// refused by default and accepted with AllowWeak.
func TestInteropOpenSSLSHA1(t *testing.T) {
	bin := openssl(t)
	k := sharedKey(t, "rsa2048")
	f := writeInteropFiles(t, k)
	sig := filepath.Join(f.dir, "sig.der")
	args := []string{"cms", "-sign", "-binary", "-in", f.content, "-signer", f.cert, "-inkey", f.key, "-outform", "DER", "-out", sig, "-md", "sha1"}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Skipf("this openssl does not sign with SHA-1: %v\n%s", err, out)
	}
	der, err := os.ReadFile(sig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDetached(der, attachment, nil); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("SHA-1 by default: error %v, want ErrAlgorithm", err)
	}
	got, err := VerifyDetached(der, attachment, &Options{AllowWeak: true})
	if err != nil {
		t.Fatalf("SHA-1 with AllowWeak: %v", err)
	}
	if !got.DigestOID.Equal(oidSHA1) {
		t.Errorf("DigestOID %v, want SHA-1", got.DigestOID)
	}
}
