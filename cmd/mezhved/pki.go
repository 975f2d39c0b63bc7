package main

import (
	"fmt"
	"io"
	"strings"

	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
)

func runPKI(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "init" {
		fmt.Fprintf(stderr, "usage: mezhved pki init --dir DIR [--alg %s]\n", algList())
		return errUsage
	}
	fs := newFlags("mezhved pki init", stderr)
	dir := fs.String("dir", "", "directory to write the PKI into (created; existing files are not overwritten)")
	algName := fs.String("alg", "ecdsa", "key algorithm: ecdsa (P-256), rsa (2048 bits) or gost (GOST R 34.10-2012, 256 bits; in builds with the tag gost); this build knows "+algList())
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved pki init --dir DIR [--alg "+algList()+"]\n\nWrites a development CA (ca.crt, ca.key), the hub's key and certificate (hub.key, hub.crt) and\n<MNEMONIC>.key and <MNEMONIC>.crt for each participant of the development registry.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	alg, err := pki.ParseAlgorithm(*algName)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	b, err := generateDevPKI(alg)
	if err != nil {
		return err
	}
	if err := b.WriteDir(*dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a development PKI (%s) for the hub and %d participants to %s\n", alg, len(b.Participants), *dir)
	return nil
}

// generateDevPKI makes a PKI for the participants of the development
// registry.
func generateDevPKI(alg pki.Algorithm) (*pki.Bundle, error) {
	cfg, err := registry.DevConfig()
	if err != nil {
		return nil, err
	}
	var parties []pki.Party
	for _, p := range cfg.Participants {
		parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
	}
	// The people of the admin API: in dev mode these hold its roles.
	parties = append(parties, pki.Party{Mnemonic: devOperator, Name: "mezhved operator"}, pki.Party{Mnemonic: devAuditor, Name: "mezhved auditor"})
	return pki.Generate(pki.Options{Algorithm: alg, Participants: parties})
}

// algList names the key algorithms of this build.
func algList() string {
	var names []string
	for _, a := range pki.Algorithms() {
		names = append(names, string(a))
	}
	return strings.Join(names, "|")
}

// The dev PKI's admin identities (OPERATOR.crt, AUDITOR.crt).
const (
	devOperator = "OPERATOR"
	devAuditor  = "AUDITOR"
)
