package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mezhved/exchange/calendar"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
)

// fixedSetup writes a PKI and a registry file binding the development
// participants to it: a hub configured as in production.
func fixedSetup(t *testing.T) (dir, registryFile string) {
	t.Helper()
	dir = t.TempDir()
	p := filepath.Join(dir, "pki")
	if code, _, errs := mezhved(t, "", "pki", "init", "--dir", p); code != 0 {
		t.Fatal(errs)
	}
	cfg, err := registry.DevConfig()
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Participants {
		cfg.Participants[i].Certificates = []string{filepath.Join("pki", cfg.Participants[i].Mnemonic+".crt")}
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	registryFile = filepath.Join(dir, "registry.json")
	if err := os.WriteFile(registryFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, registryFile
}

func writeConfig(t *testing.T, dir, name string, settings map[string]any) string {
	t.Helper()
	data, _ := json.Marshal(settings)
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestConfigFileCheck(t *testing.T) {
	dir, _ := fixedSetup(t)
	base := map[string]any{"data": "data", "registry": "registry.json", "trust": "pki/ca.crt", "key": "pki/hub.key", "cert": "pki/hub.crt",
		"listen": "127.0.0.1:0", "rate-limit": 20, "max-attempts": 3, "operator-cert": []any{"pki/OPERATOR.crt"}, "allow-weak": false,
		"commit-delay": "3ms"}
	f := writeConfig(t, dir, "mezhved.json", base)
	code, out, errs := mezhved(t, "", "serve", "--check", "--config", f)
	if code != 0 || !strings.Contains(out, "configuration OK") || !strings.Contains(out, "CN=HUB") && !strings.Contains(out, "HUB") {
		t.Fatalf("check: %d %s %s", code, out, errs)
	}
	for _, c := range []struct {
		name    string
		setting map[string]any
		code    int
		want    string
	}{
		{"an unknown setting", map[string]any{"listne": "x"}, 2, `unknown setting "listne"`},
		{"a bad value", map[string]any{"max-attempts": "many"}, 2, `setting "max-attempts"`},
		{"a bad duration", map[string]any{"commit-delay": "soon"}, 2, `setting "commit-delay"`},
		{"a commit delay too long", map[string]any{"commit-delay": "10s"}, 2, "at most 1s"},
		{"no envelope size", map[string]any{"max-envelope": 0}, 2, "--max-envelope 0: must be positive"},
		{"a CRL reload of zero", map[string]any{"crl-dir": "pki", "crl-reload": "0s"}, 2, "--crl-reload 0s: must be positive"},
		{"a misspelt client authentication", map[string]any{"tls-client-auth": "reqiure"}, 2, `--tls-client-auth "reqiure"`},
		{"a TLS key without a certificate", map[string]any{"tls-key": "pki/hub.key", "tls-client-ca": "pki/ca.crt"}, 2, "need --tls-cert"},
		{"the development mode with a registry", map[string]any{"dev": true}, 2, "--dev makes its own"},
		{"a missing registry", map[string]any{"registry": "nowhere.json"}, 1, "nowhere.json"},
		{"a registry that does not load", map[string]any{"registry": "pki/ca.crt"}, 1, "registry"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := map[string]any{}
			for k, v := range base {
				s[k] = v
			}
			for k, v := range c.setting {
				s[k] = v
			}
			code, out, errs := mezhved(t, "", "serve", "--check", "--config", writeConfig(t, dir, "case.json", s))
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Fatalf("exit %d: %s%s; want %d with %q", code, out, errs, c.code, c.want)
			}
		})
	}
	// The command line overrides the file.
	if code, _, errs := mezhved(t, "", "serve", "--check", "--config", f, "--max-attempts", "two"); code != 2 || !strings.Contains(errs, "max-attempts") {
		t.Fatalf("a bad value on the command line: %d %s", code, errs)
	}
}

// TestReload: a reload with a registry that does not load is refused and
// the hub keeps serving with the one in force; a good one is taken.
func TestReload(t *testing.T) {
	dir, regFile := fixedSetup(t)
	p := filepath.Join(dir, "pki")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{data: filepath.Join(dir, "data"), registryPath: regFile, trustPath: filepath.Join(p, "ca.crt"),
			keyFile: filepath.Join(p, "hub.key"), certFile: filepath.Join(p, "hub.crt"), listen: "127.0.0.1:0", maxEnvelope: 10 << 20,
			longPoll: -1, visibility: time.Minute, maxAttempts: 5, queueLimit: 1000, staleAfter: time.Hour}, out, slog.New(slog.NewTextHandler(out, nil)))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	re := regexp.MustCompile(`listening on (\S+)`)
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" || reloadHook.Load() == nil {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = "http://" + m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	send := func() int {
		code, _, _ := mezhved(t, "", "client", "send-request", "--hub", url, "--key", filepath.Join(p, "COURT01.key"), "--cert", filepath.Join(p, "COURT01.crt"),
			"--payload", "../../schemas/payloads/Writ.xml")
		return code
	}
	if send() != 0 {
		t.Fatal("before the reload")
	}
	good, _ := os.ReadFile(regFile)
	if err := os.WriteFile(regFile, []byte(`{"participants": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (*reloadHook.Load())(); err == nil {
		t.Fatal("a broken registry was taken")
	}
	if send() != 0 {
		t.Fatalf("after a refused reload the hub no longer serves:\n%s", out.String())
	}
	// A good registry in which the court may no longer send writs, and the
	// court has a second certificate, which expires in ten days.
	var cfg registry.Config
	json.Unmarshal(good, &cfg)
	for i := range cfg.Types {
		if cfg.Types[i].Name == "writ" {
			cfg.Types[i].Senders = []string{"GIBDD01", "FNS01"}
		}
	}
	soon := expiringCertificate(t, p, "COURT01 renewal", 10*24*time.Hour)
	for i := range cfg.Participants {
		if cfg.Participants[i].Mnemonic == "COURT01" {
			cfg.Participants[i].Certificates = append(cfg.Participants[i].Certificates, soon)
		}
	}
	data, _ := json.Marshal(cfg)
	os.WriteFile(regFile, data, 0o644)
	if strings.Contains(out.String(), "COURT01 renewal") {
		t.Fatal("the certificate was watched before the reload brought it")
	}
	if err := (*reloadHook.Load())(); err != nil {
		t.Fatalf("a good registry was refused: %v", err)
	}
	if code := send(); code != 1 {
		t.Fatalf("after the reload the court still sends writs: exit %d", code)
	}
	if !strings.Contains(out.String(), "COURT01 renewal") {
		t.Fatalf("the certificate the reload brought, which expires in ten days, was not warned of:\n%s", out.String())
	}
}

// expiringCertificate issues a participant certificate under the CA in
// pkiDir that expires after validFor, and returns its file.
func expiringCertificate(t *testing.T, pkiDir, cn string, validFor time.Duration) string {
	t.Helper()
	caKey, caCerts, err := pki.LoadIdentity(filepath.Join(pkiDir, "ca.key"), filepath.Join(pkiDir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validFor)}, caCerts[0], &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(pkiDir, "renewal.crt")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestWarnCalendar: the hub warns when its calendar lacks the current
// year's decree, or in December the next year's.
func TestWarnCalendar(t *testing.T) {
	cal, err := calendar.Parse(strings.NewReader("2026-01-01 holiday\n2026-05-01 holiday\n"))
	if err != nil {
		t.Fatal(err)
	}
	msk := cal.Location()
	for _, tc := range []struct {
		name string
		now  time.Time
		want []string
	}{
		{"a covered year", time.Date(2026, 6, 1, 12, 0, 0, 0, msk), nil},
		{"December of a covered year", time.Date(2026, 12, 1, 12, 0, 0, 0, msk), []string{"year=2027"}},
		{"a year not covered", time.Date(2027, 3, 1, 12, 0, 0, 0, msk), []string{"year=2027"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			warnCalendar(slog.New(slog.NewTextHandler(&out, nil)), cal, "holidays.txt", tc.now)
			if n := strings.Count(out.String(), "no holidays for a year"); n != len(tc.want) {
				t.Fatalf("%d warnings, want %d:\n%s", n, len(tc.want), out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("no warning with %q:\n%s", w, out.String())
				}
			}
		})
	}
}
