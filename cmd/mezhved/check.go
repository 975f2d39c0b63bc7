package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/registry"
	"mezhved/exchange/xmlsafe"
)

func runCheck(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved check", stderr)
	trustPath := fs.String("trust", "", "trusted CA certificates: a PEM file, or a directory (a directory made by 'mezhved pki init' also binds the development participants' certificates)")
	registryPath := fs.String("registry", "", "registry file (default: the built-in development registry)")
	allowUnsigned := fs.Bool("allow-unsigned", false, "accept calls without a caller signature")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved check [--trust FILE|DIR] [--registry FILE] [--allow-unsigned] [--json] FILE...\n\nRuns the hub's whole ingress validation on each file and prints 'FILE: OK' or\n'FILE: <FaultName>: <description>'. Exits 0 when every file is OK, 1 when any is not, 2 on usage errors.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	in, err := newOfflineIngress(*trustPath, *registryPath, *allowUnsigned)
	if err != nil {
		fmt.Fprintf(stderr, "mezhved check: %v\n", err)
		return errUsage
	}
	bad := 0
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, name := range fs.Args() {
		acc, err := checkFile(in, name)
		if err != nil {
			bad++
		}
		if *asJSON {
			if err := enc.Encode(checkResult(name, acc, err)); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", name, err)
		} else {
			fmt.Fprintf(stdout, "%s: OK\n", name)
		}
	}
	if bad > 0 {
		return exitError{1}
	}
	return nil
}

// newOfflineIngress builds the ingress checks without a hub: no staleness or
// EOL checks (archived envelopes are old by nature).
func newOfflineIngress(trustPath, registryPath string, allowUnsigned bool) (*exchange.Ingress, error) {
	var verifier *dsig.Verifier
	certDir := ""
	if trustPath != "" {
		trust, err := dsig.LoadTrustStore(trustPath)
		if err != nil {
			return nil, err
		}
		verifier = dsig.NewVerifier(trust, nil)
		if st, err := os.Stat(trustPath); err == nil && st.IsDir() {
			certDir = trustPath
		}
	} else if !allowUnsigned {
		return nil, errors.New("give --trust to verify signatures, or --allow-unsigned to check unsigned envelopes")
	}
	var reg *registry.Registry
	var err error
	if registryPath != "" {
		reg, err = registry.Load(registryPath)
	} else {
		reg, err = registry.Dev(certDir)
	}
	if err != nil {
		return nil, err
	}
	set, err := reg.CompileSchemas(context.Background(), 0)
	if err != nil {
		return nil, err
	}
	return exchange.NewIngress(reg, set, verifier, exchange.Options{AllowUnsigned: allowUnsigned})
}

func checkFile(in *exchange.Ingress, name string) (*exchange.Accepted, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fault.Wrap(fault.Failure, err, "cannot read the file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, xmlsafe.DefaultMaxBytes+1))
	if err != nil {
		return nil, fault.Wrap(fault.Failure, err, "cannot read the file: %v", err)
	}
	return in.Check(context.Background(), data)
}

// jsonResult is one line of `mezhved check --json`.
type jsonResult struct {
	File      string     `json:"file"`
	OK        bool       `json:"ok"`
	Operation string     `json:"operation,omitempty"`
	Version   string     `json:"version,omitempty"`
	Sender    string     `json:"sender,omitempty"`
	Type      string     `json:"type,omitempty"`
	To        []string   `json:"recipients,omitempty"`
	Fault     *jsonFault `json:"fault,omitempty"`
}

type jsonFault struct {
	Name          string           `json:"name"`
	Code          string           `json:"code"`
	SignatureCode string           `json:"signatureCode,omitempty"`
	Retry         string           `json:"retry"`
	Description   string           `json:"description"`
	Positions     []fault.Position `json:"positions,omitempty"`
}

func checkResult(name string, a *exchange.Accepted, err error) jsonResult {
	r := jsonResult{File: name, OK: err == nil}
	if err != nil {
		var fe *fault.Error
		if !errors.As(err, &fe) {
			fe = fault.Wrap(fault.Failure, err, "%v", err)
		}
		r.Fault = &jsonFault{Name: fe.Kind.Name, Code: fe.Kind.Code, SignatureCode: fe.Kind.SignatureCode,
			Retry: fe.Kind.Retry.String(), Description: fe.Description, Positions: fe.Positions}
		return r
	}
	r.Operation, r.Version = string(a.Call.Operation), string(a.Call.Version)
	if a.Sender != nil {
		r.Sender = a.Sender.Mnemonic
	}
	if a.Type != nil {
		r.Type = a.Type.Name
	}
	for _, p := range a.Recipients {
		r.To = append(r.To, p.Mnemonic)
	}
	return r
}
