package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

func runDsig(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: mezhved dsig transform | sign --key FILE --cert FILE [--profile smev|standard] | verify --trust FILE|DIR")
		return errUsage
	}
	switch args[0] {
	case "transform":
		return dsigTransform(args[1:], stdin, stdout, stderr)
	case "sign":
		return dsigSign(args[1:], stdin, stdout, stderr)
	case "verify":
		return dsigVerify(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "mezhved dsig: unknown subcommand %q (want transform, sign or verify)\n", args[0])
	return errUsage
}

// newFlags makes a flag set that reports usage errors on stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and maps flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError{0}
		}
		return errUsage
	}
	return nil
}

func dsigTransform(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved dsig transform", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved dsig transform < in.xml > out.xml\n\nWrites the SMEV transform (urn://smev-gov-ru/xmldsig/transform) of the XML on stdin, byte for byte.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	data, err := readInput(stdin)
	if err != nil {
		return err
	}
	out, err := dsig.TransformXML(data, nil)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// readInput reads stdin up to the envelope limit plus one byte, so that the
// parser reports an oversized input instead of the command reading without
// end.
func readInput(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, xmlsafe.DefaultMaxBytes+1))
}

func dsigSign(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved dsig sign", stderr)
	keyFile := fs.String("key", "", "PEM private key (PKCS#8, PKCS#1 or SEC 1)")
	certFile := fs.String("cert", "", "PEM certificate (followed by intermediates, if any)")
	profileName := fs.String("profile", "smev", "smev: exclusive c14n then the SMEV transform; standard: exclusive c14n only")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved dsig sign --key FILE --cert FILE [--profile smev|standard] < envelope.xml > signed.xml\n\nSigns the element the envelope's operation requires (adding an Id if it has none) and puts the\nsignature into CallerInformationSystemSignature.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *certFile == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	profile, err := dsig.ParseProfile(*profileName)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	key, certs, err := pki.LoadIdentity(*keyFile, *certFile)
	if err != nil {
		return err
	}
	signer, err := dsig.NewSigner(key, certs, profile)
	if err != nil {
		return err
	}
	data, err := readInput(stdin)
	if err != nil {
		return err
	}
	doc, err := xmlsafe.Parse(data, nil)
	if err != nil {
		return err
	}
	if _, err := soap.SignCall(doc.Root(), signer); err != nil {
		return err
	}
	out, err := soap.Marshal(doc.Document)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

func dsigVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved dsig verify", stderr)
	trustPath := fs.String("trust", "", "trusted CA certificates: a PEM file, or a directory of them")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved dsig verify --trust FILE|DIR < signed.xml\n\nVerifies the caller's signature of a call (or the hub's signature of a reply). Prints the\nsigner's subject and exits 0 when it is valid; prints the reason on stderr and exits 1 otherwise.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *trustPath == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	trust, err := dsig.LoadTrustStore(*trustPath)
	if err != nil {
		return err
	}
	data, err := readInput(stdin)
	if err != nil {
		return err
	}
	v, err := verifyEnvelope(data, dsig.NewVerifier(trust, nil))
	if err != nil {
		fmt.Fprintf(stderr, "invalid: %v\n", err)
		return exitError{1}
	}
	fmt.Fprintln(stdout, v.Certificate.Subject.String())
	return nil
}

// verifyEnvelope verifies the caller's signature of a call, or the hub's
// signature of a reply.
func verifyEnvelope(data []byte, v *dsig.Verifier) (*dsig.Verified, error) {
	doc, err := xmlsafe.Parse(data, nil)
	if err != nil {
		return nil, err
	}
	var sig, signed *etree.Element
	if call, err := soap.DecodeCall(doc.Root()); err == nil {
		sig, signed = call.Signature, call.Signed
	} else if reply, rerr := soap.DecodeReply(doc.Root()); rerr == nil && reply.Fault == nil {
		sig, signed = reply.HubSignature, reply.HubSigned
	} else {
		return nil, err
	}
	if sig == nil {
		return nil, dsig.ErrNoSignature
	}
	return v.Verify(doc.Root(), sig, signed)
}

// usageError reports a bad argument on the flag set's output and returns
// errUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	return errUsage
}
