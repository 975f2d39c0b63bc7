package bench

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/schemas"
)

// The participants the scenarios act as (those of the development
// registry).
const (
	court   = "COURT01"
	bailiff = "FSSP01"
)

// bank is a bank of the registry, a provider of bank account queries.
type bank struct {
	mnemonic, bic string
}

// world is what the runs share: the PKI and the participants' signers, the
// payloads, the registries of the bench's own hubs and the compiled
// schemas.
type world struct {
	dir    string // the bench's files
	pkiDir string
	// own is true when the bench made the PKI (and so runs its own hubs
	// with registries of its making); false with an external hub.
	own      bool
	caCerts  []*x509.Certificate
	hubKey   crypto.Signer
	hubCerts []*x509.Certificate
	signers  map[string]*dsig.Signer
	// banks with keys: the development registry's first, then the
	// bench's own (BANK0479nnnnn).
	banks []bank
	p     *payloads

	setOnce sync.Once
	set     *schemas.Set
	setErr  error
}

// devBanks are the banks of the development registry.
func devBanks() ([]bank, *registry.Config, error) {
	cfg, err := registry.DevConfig()
	if err != nil {
		return nil, nil, err
	}
	var banks []bank
	for _, p := range cfg.Participants {
		if p.Role == "bank" {
			banks = append(banks, bank{p.Mnemonic, p.Routing["bic"]})
		}
	}
	return banks, cfg, nil
}

// newWorld makes a PKI in dir/pki for the development registry's
// participants and enough further banks that the registry can have
// maxBanks of them.
func newWorld(dir string, maxBanks int) (*world, error) {
	banks, cfg, err := devBanks()
	if err != nil {
		return nil, err
	}
	var parties []pki.Party
	for _, p := range cfg.Participants {
		parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
	}
	for i := len(banks); i < maxBanks; i++ {
		bic := fmt.Sprintf("0479%05d", i)
		b := bank{"BANK" + bic, bic}
		banks = append(banks, b)
		parties = append(parties, pki.Party{Mnemonic: b.mnemonic, Name: "Bench bank " + bic})
	}
	bundle, err := pki.Generate(pki.Options{Participants: parties})
	if err != nil {
		return nil, err
	}
	w := &world{dir: dir, pkiDir: filepath.Join(dir, "pki"), own: true, banks: banks, signers: map[string]*dsig.Signer{},
		caCerts: []*x509.Certificate{bundle.CA.Certificate}, hubKey: bundle.Hub.Key, hubCerts: []*x509.Certificate{bundle.Hub.Certificate}}
	if err := bundle.WriteDir(w.pkiDir); err != nil {
		return nil, err
	}
	for m, id := range bundle.Participants {
		s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
		if err != nil {
			return nil, err
		}
		w.signers[m] = s
	}
	if w.p, err = loadPayloads(); err != nil {
		return nil, err
	}
	return w, nil
}

// loadWorld reads the participants' keys from a PKI directory made by
// `mezhved pki init` (or `serve --dev`): the court, the bailiff service and
// every bank there is a key of.
func loadWorld(pkiDir string) (*world, error) {
	devBanks, _, err := devBanks()
	if err != nil {
		return nil, err
	}
	w := &world{pkiDir: pkiDir, signers: map[string]*dsig.Signer{}}
	ca, err := dsig.LoadCertificates(filepath.Join(pkiDir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("bench: --pki: %w", err)
	}
	w.caCerts = ca
	load := func(m string) error {
		key, certs, err := pki.LoadIdentity(filepath.Join(pkiDir, m+".key"), filepath.Join(pkiDir, m+".crt"))
		if err != nil {
			return err
		}
		s, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
		if err != nil {
			return err
		}
		w.signers[m] = s
		return nil
	}
	for _, m := range []string{court, bailiff} {
		if err := load(m); err != nil {
			return nil, fmt.Errorf("bench: --pki: %w", err)
		}
	}
	for _, b := range devBanks {
		if err := load(b.mnemonic); err == nil {
			w.banks = append(w.banks, b)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bench: --pki: %w", err)
		}
	}
	if w.p, err = loadPayloads(); err != nil {
		return nil, err
	}
	return w, nil
}

// registryConfig is the development registry with its banks replaced by
// the first n of the world's, each participant bound to its certificate.
func (w *world) registryConfig(n int) (*registry.Config, error) {
	cfg, err := registry.DevConfig()
	if err != nil {
		return nil, err
	}
	var parts []registry.ParticipantConfig
	for _, p := range cfg.Participants {
		if p.Role != "bank" {
			p.Certificates = []string{filepath.Join(w.pkiDir, p.Mnemonic+".crt")}
			parts = append(parts, p)
		}
	}
	for _, b := range w.banks[:min(n, len(w.banks))] {
		parts = append(parts, registry.ParticipantConfig{Mnemonic: b.mnemonic, Name: "Bank " + b.bic, Role: "bank",
			Routing: map[string]string{"bic": b.bic}, Certificates: []string{filepath.Join(w.pkiDir, b.mnemonic+".crt")}})
	}
	cfg.Participants = parts
	return cfg, nil
}

// registryFile writes the registry with n banks for a hub process.
func (w *world) registryFile(n int) (string, error) {
	path := filepath.Join(w.dir, fmt.Sprintf("registry-%d.json", n))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	cfg, err := w.registryConfig(n)
	if err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o644)
}

// registry builds the registry with n banks.
func (w *world) registry(n int) (*registry.Registry, error) {
	cfg, err := w.registryConfig(n)
	if err != nil {
		return nil, err
	}
	return registry.New(cfg)
}

// schemas compiles the registry's schemas once (every registry of the
// bench has the same types).
func (w *world) schemas(ctx context.Context, reg *registry.Registry) (*schemas.Set, error) {
	w.setOnce.Do(func() { w.set, w.setErr = reg.CompileSchemas(ctx, 0) })
	return w.set, w.setErr
}

// signer returns a participant's signer.
func (w *world) signer(m string) (*dsig.Signer, error) {
	s, ok := w.signers[m]
	if !ok {
		return nil, fmt.Errorf("bench: no key of %s", m)
	}
	return s, nil
}

// bankList returns the first n banks.
func (w *world) bankList(n int) []bank {
	return slices.Clone(w.banks[:min(n, len(w.banks))])
}
