package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mezhved/exchange/registry"
)

// TestReloadRecordsTrust: a CA added by a reload is recorded in the store,
// so that a message signed under it, which the hub accepts after the reload,
// also verifies in `journal verify` once the hub has stopped.
func TestReloadRecordsTrust(t *testing.T) {
	dir, regFile := fixedSetup(t)
	p, p2 := filepath.Join(dir, "pki"), filepath.Join(dir, "pki2")
	if code, _, errs := mezhved(t, "", "pki", "init", "--dir", p2); code != 0 {
		t.Fatal(errs)
	}
	ca, err := os.ReadFile(filepath.Join(p, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	trustFile := filepath.Join(dir, "trust.pem")
	if err := os.WriteFile(trustFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{data: data, registryPath: regFile, trustPath: trustFile,
			keyFile: filepath.Join(p, "hub.key"), certFile: filepath.Join(p, "hub.crt"), listen: "127.0.0.1:0", maxEnvelope: 10 << 20,
			longPoll: -1, visibility: time.Minute, maxAttempts: 5, queueLimit: 1000, staleAfter: time.Hour}, out, slog.New(slog.NewTextHandler(out, nil)))
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
	defer stop()
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
	send := func(pkiDir string) (int, string) {
		code, stdout, stderr := mezhved(t, "", "client", "send-request", "--hub", url, "--key", filepath.Join(pkiDir, "COURT01.key"),
			"--cert", filepath.Join(pkiDir, "COURT01.crt"), "--payload", "../../schemas/payloads/Writ.xml")
		return code, stdout + stderr
	}
	if code, msg := send(p2); code == 0 {
		t.Fatalf("a certificate of a CA not yet trusted was accepted: %s", msg)
	}

	// The second CA trusted, and the court's certificate under it bound.
	ca2, err := os.ReadFile(filepath.Join(p2, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trustFile, append(append(ca, '\n'), ca2...), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(regFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg registry.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Participants {
		if cfg.Participants[i].Mnemonic == "COURT01" {
			cfg.Participants[i].Certificates = append(cfg.Participants[i].Certificates, filepath.Join("pki2", "COURT01.crt"))
		}
	}
	raw, _ = json.Marshal(cfg)
	if err := os.WriteFile(regFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (*reloadHook.Load())(); err != nil {
		t.Fatalf("reload: %v\n%s", err, out.String())
	}
	if code, msg := send(p2); code != 0 {
		t.Fatalf("after the reload, a certificate of the new CA is refused: %s", msg)
	}
	stop()

	code, stdout, stderr := mezhved(t, "", "journal", "verify", "--data", data)
	if code != 0 || !strings.Contains(stdout, "journal intact") || !strings.Contains(stdout, "signatures verified") {
		t.Fatalf("journal verify of a message signed under a CA added by a reload: %d\n%s%s", code, stdout, stderr)
	}
}
