package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"mezhved/exchange/calendar"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
)

// pathSettings are the settings that name files: relative to the
// configuration file's directory.
var pathSettings = map[string]bool{
	"data": true, "registry": true, "trust": true, "key": true, "cert": true, "tls-cert": true, "tls-key": true,
	"tls-client-ca": true, "crl-dir": true, "calendar": true, "operator-cert": true, "auditor-cert": true, "cpuprofile": true,
}

// applyConfigFile sets every flag the configuration file names and the
// command line does not: the file is a JSON object whose keys are the
// flags' names (`mezhved serve -h` documents each), so one description
// serves both. An unknown key, or a value the flag refuses, is an error
// naming it.
func applyConfigFile(fs *flag.FlagSet, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return applyConfig(fs, data, path)
}

// applyConfig applies the configuration data read from the file path.
func applyConfig(fs *flag.FlagSet, data []byte, path string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var settings map[string]any
	if err := dec.Decode(&settings); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: data after the settings object", path)
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	dir := filepath.Dir(path)
	for key, value := range settings {
		f := fs.Lookup(key)
		if f == nil || key == "config" || key == "check" {
			return fmt.Errorf("%s: unknown setting %q (the settings are the flags of `mezhved serve -h`)", path, key)
		}
		if onCommandLine[key] {
			continue
		}
		values := []any{value}
		if list, ok := value.([]any); ok {
			values = list
		}
		for _, v := range values {
			var s string
			switch v := v.(type) {
			case string:
				s = v
				if pathSettings[key] && s != "" && !filepath.IsAbs(s) {
					s = filepath.Join(dir, s)
				}
			case json.Number, bool:
				if pathSettings[key] {
					return fmt.Errorf("%s: setting %q: want a path (a string), not %v", path, key, v)
				}
				s = fmt.Sprint(v)
			default:
				return fmt.Errorf("%s: setting %q: want a string, a number, a boolean or a list of them", path, key)
			}
			if err := fs.Set(key, s); err != nil {
				return fmt.Errorf("%s: setting %q: %v", path, key, err)
			}
		}
	}
	return nil
}

// checkConfig loads everything the hub would and reports, without starting
// it or writing anything: `mezhved serve --check`.
func checkConfig(ctx context.Context, c serveConfig, stdout io.Writer, log *slog.Logger) error {
	if c.dev {
		pkiDir := filepath.Join(c.data, "pki")
		if !fileExists(filepath.Join(pkiDir, "ca.crt")) {
			fmt.Fprintf(stdout, "development mode: the PKI %s does not exist yet; it is made on the first start\n", pkiDir)
			return nil
		}
		c.trustPath, c.keyFile, c.certFile = pkiDir, filepath.Join(pkiDir, "hub.key"), filepath.Join(pkiDir, "hub.crt")
	}
	key, certs, err := pki.LoadIdentity(c.keyFile, c.certFile)
	if err != nil {
		return err
	}
	if _, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV); err != nil {
		return err
	}
	d, err := loadDoor(ctx, c, log, nil)
	if err != nil {
		return err
	}
	d.close()
	if c.tls.cert != "" {
		if _, err := serverTLS(c.tls); err != nil {
			return err
		}
	}
	if _, err := loadRoles(c.operators, c.auditors); err != nil {
		return err
	}
	if c.calendarFile != "" {
		if _, err := calendar.Load(c.calendarFile); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "configuration OK: %d participants, %d message types (every schema compiled), %d trusted certificates, the hub's key for %s\n",
		len(d.reg.Participants()), len(d.reg.Types()), len(d.trust.Certificates()), certs[0].Subject.CommonName)
	return nil
}
