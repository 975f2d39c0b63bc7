package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzConfig feeds the --config loader arbitrary files: it must refuse
// what it cannot apply with an error naming the file, never panic, and
// what it applies must make every file path absolute (relative paths are
// the configuration file's directory's) and leave the command line's
// settings alone.
func FuzzConfig(f *testing.F) {
	for _, seed := range []string{
		`{"data": "/var/lib/mezhved", "listen": "0.0.0.0:8443", "registry": "registry.json", "trust": "pki/trust",
		  "key": "pki/hub.key", "cert": "pki/hub.crt", "tls-client-auth": "request",
		  "operator-cert": ["people/operators"], "auditor-cert": ["people/auditors"],
		  "visibility": "60s", "max-attempts": 5, "queue-limit": 100000, "long-poll": "10s",
		  "rate-limit": 50.5, "rate-burst": 100, "max-envelope": 10485760, "min-free": 512,
		  "stale-after": "48h", "checkpoint-every": 10000, "log-level": "info", "dev": true}`,
		`{"dev": "true", "data": ".data"}`,
		`{"listen": "127.0.0.1:0"}`,
		`{"config": "other.json"}`,
		`{"max-attempts": -1, "min-free": -5}`,
		`{"visibility": 60}`,
		`{"operator-cert": [["nested"]]}`,
		`{"data": null}`,
		`{} {}`,
		`[]`,
		`{"data": "x", "data": "y"}`,
		`{"checkpoint-every": 1e30}`,
	} {
		f.Add([]byte(seed))
	}
	const path = "/etc/mezhved/config.json"
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, _, _, _ := serveFlags(io.Discard)
		fs.SetOutput(io.Discard)
		if err := fs.Parse([]string{"--listen", "127.0.0.1:1"}); err != nil {
			t.Fatal(err)
		}
		err := applyConfig(fs, data, path)
		if err != nil {
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if got := fs.Lookup("listen").Value.String(); got != "127.0.0.1:1" {
			t.Fatalf("the file overrode the command line: listen = %q", got)
		}
		fs.VisitAll(func(fl *flag.Flag) {
			if !pathSettings[fl.Name] {
				return
			}
			if list, ok := fl.Value.(*multiFlag); ok {
				for _, p := range *list {
					if p != "" && !filepath.IsAbs(p) {
						t.Fatalf("setting %s: path %q left relative", fl.Name, p)
					}
				}
				return
			}
			if v := fl.Value.String(); v != "" && !filepath.IsAbs(v) {
				t.Fatalf("setting %s: path %q left relative", fl.Name, fl.Value)
			}
		})
	})
}
