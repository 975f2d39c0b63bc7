package registry_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"mezhved/exchange/registry"
)

// FuzzConfig feeds the registry loader arbitrary files. It must refuse
// what is not a registry with an error, never panic; a registry it builds
// must be consistent (every sender, provider and answer resolves, every
// type is found by its root and name), must survive a round trip through
// JSON, and must route any payload to providers of the type or refuse it
// with an error.
func FuzzConfig(f *testing.F) {
	f.Add(registry.DevJSON(), "044525225")
	f.Add([]byte(`{"participants":[{"mnemonic":"A","name":"a","role":"bank","routing":{"bic":"1"}},{"mnemonic":"B","name":"b","role":"bank","routing":{"bic":"2"}}],
		"types":[{"name":"q","namespace":"urn:x","root":"Q","schema":"builtin:x.xsd","direction":"request","senders":["A"],"providers":["role:bank"],
		"delivery":{"kind":"route","rules":[{"path":"T/BIC","key":"bic"},{"path":"U","to":"A"}],"fallback":"broadcast"},"answers":["a"],
		"deadline":"3wd","visibilityTimeout":"10s","maxAttempts":3,"queueLimit":10,"personalSignature":"optional"},
		{"name":"a","namespace":"urn:x","root":"A","schema":"builtin:x.xsd","direction":"response"}]}`), "2")
	f.Add([]byte(`{"participants":[],"types":[]}`), "")
	f.Add([]byte(`{"participants":[{"mnemonic":"a b","name":""}]}`), "")
	f.Add([]byte(`{"types":[{"name":"q","direction":"request","providers":["role:"]}]} trailing`), "")
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		cfg, err := registry.ParseConfig(data)
		if err != nil {
			return
		}
		// The fuzzer may not make the loader read files.
		for i := range cfg.Participants {
			cfg.Participants[i].Certificates = nil
		}
		for i := range cfg.Types {
			if !strings.HasPrefix(cfg.Types[i].Schema, "builtin:") {
				cfg.Types[i].Schema = ""
			}
		}
		encoded, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := registry.ParseConfig(encoded)
		if err != nil {
			t.Fatalf("a registry's own encoding refused: %v\n%s", err, encoded)
		}
		if reencoded, _ := json.Marshal(again); !bytes.Equal(encoded, reencoded) {
			t.Fatalf("round trip changed the registry:\n%s\n%s", encoded, reencoded)
		}
		r, err := registry.New(cfg)
		if err != nil {
			return
		}
		for _, typ := range r.Types() {
			if got, ok := r.Type(typ.Root.Space, typ.Root.Local); !ok || got != typ {
				t.Fatalf("type %s not found by its root", typ.Name)
			}
			if got, ok := r.TypeByName(typ.Name); !ok || got != typ {
				t.Fatalf("type %s not found by its name", typ.Name)
			}
			for _, m := range slices.Concat(typ.Senders, typ.Providers) {
				if _, ok := r.Participant(m); !ok {
					t.Fatalf("type %s names unknown participant %q", typ.Name, m)
				}
			}
			for _, a := range typ.Answers {
				if at, ok := r.TypeByName(a); !ok || at.Direction != registry.Response {
					t.Fatalf("type %s: answer %q is not a response type", typ.Name, a)
				}
			}
			if typ.Direction != registry.Request {
				continue
			}
			root := etree.NewElement(typ.Root.Local)
			root.Space = typ.Root.Space
			for _, rule := range typ.Delivery.Rules {
				el := root
				for step := range strings.SplitSeq(rule.Path, "/") {
					el = el.CreateElement(step)
				}
				el.SetText(value)
			}
			to, err := r.Route(typ, root)
			if err != nil {
				continue
			}
			if len(to) == 0 {
				t.Fatalf("type %s routed to nobody without an error", typ.Name)
			}
			for _, p := range to {
				if p == nil || !typ.Provides(p) {
					t.Fatalf("type %s routed to %v, not one of its providers %v", typ.Name, p, typ.Providers)
				}
			}
		}
	})
}
