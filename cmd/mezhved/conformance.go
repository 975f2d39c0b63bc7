package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"mezhved/conformance"
	"mezhved/exchange/dsig"
)

const conformanceUsage = `usage: mezhved conformance --hub URL --pki DIR [--run REGEX] [--visibility D] [--max-attempts N]
                           [--long-poll D] [--max-envelope BYTES] [--generic] [--tls-ca FILE ...] [--list]

Runs the black-box SMEV 3 endpoint suite against the endpoint at --hub (its base URL, or .../ws/):
every operation on the 1.1, 1.2 and 1.3 endpoints, every fault a client can provoke, signatures,
schemas, delivery semantics and the enforcement flows, as the participants of the development
registry whose keys are in --pki (the layout of 'mezhved pki init'). Prints one line per case,
PASS, FAIL (with the reason) or SKIP, then "N passed, M failed". Exit status: 0 all passed, 1 any
failed, 2 usage.

The cases that wait for a redelivery or a dead letter run only when --visibility (and
--max-attempts) say what the hub was started with, e.g. 'serve --visibility 2s --max-attempts 3'.
The suite needs the participants' queues to itself while it runs (no adapter consuming them).`

// stringsFlag collects a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func runConformance(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved conformance", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, conformanceUsage)
		fs.PrintDefaults()
	}
	hubURL := fs.String("hub", "", "the endpoint's base URL (http://host:8080) or endpoint prefix (.../ws/)")
	pkiDir := fs.String("pki", "", "directory with ca.crt and <MNEMONIC>.key/.crt of every participant (ca.key, hub.key optional)")
	run := fs.String("run", "", "run only the cases whose ID matches this regular expression, e.g. '^(OP|FAULT)-' or 'SIG-01'")
	visibility := fs.Duration("visibility", 0, "the hub's visibility timeout (serve --visibility); 0 skips the cases that wait for it")
	maxAttempts := fs.Int("max-attempts", 0, "the hub's deliveries before a dead letter (serve --max-attempts); 0 skips the dead-letter case")
	longPoll := fs.Duration("long-poll", 10*time.Second, "the hub's long-poll time (serve --long-poll); 0 skips the long-polling case")
	maxEnvelope := fs.Int64("max-envelope", 10<<20, "the hub's envelope size limit (serve --max-envelope)")
	timeout := fs.Duration("timeout", 15*time.Second, "the longest a case waits for one message, status or answer")
	generic := fs.Bool("generic", false, "the endpoint is not mezhved: check faults as SMEV 3 defines them, without the hub's MZ codes")
	list := fs.Bool("list", false, "list the cases (ID and description) and exit")
	var tlsCA stringsFlag
	fs.Var(&tlsCA, "tls-ca", "for an https hub: CA certificates (PEM file or directory) of its TLS certificate; repeatable (default: --pki)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *list {
		for _, c := range conformance.Cases() {
			fmt.Fprintf(stdout, "%-11s %s\n", c.ID, c.Desc)
		}
		return nil
	}
	if *hubURL == "" || *pkiDir == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	var filter *regexp.Regexp
	if *run != "" {
		var err error
		if filter, err = regexp.Compile(*run); err != nil {
			fmt.Fprintf(stderr, "mezhved conformance: --run: %v\n", err)
			return errUsage
		}
	}
	var roots []*x509.Certificate
	for _, f := range tlsCA {
		certs, err := dsig.LoadCertificates(f)
		if err != nil {
			return err
		}
		roots = append(roots, certs...)
	}
	t := conformance.Target{URL: *hubURL, PKIDir: *pkiDir, TLSRoots: roots, Visibility: *visibility, MaxAttempts: *maxAttempts,
		LongPoll: *longPoll, MaxEnvelope: *maxEnvelope, Generic: *generic, Timeout: *timeout}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	skipped := 0
	passed, failed := conformance.Run(ctx, t, filter, func(r conformance.Result) {
		elapsed := r.Elapsed.Round(time.Millisecond)
		switch {
		case r.Skipped():
			skipped++
			fmt.Fprintf(stdout, "SKIP %s %s: %s\n", r.ID, r.Desc, oneLine(strings.TrimPrefix(r.Err.Error(), conformance.ErrSkipped.Error()+": ")))
		case r.Err != nil:
			fmt.Fprintf(stdout, "FAIL %s %s (%s): %s\n", r.ID, r.Desc, elapsed, oneLine(r.Err.Error()))
		default:
			fmt.Fprintf(stdout, "PASS %s %s (%s)\n", r.ID, r.Desc, elapsed)
		}
	})
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintln(stdout, summary)
	if failed > 0 {
		return exitError{1}
	}
	if passed+failed+skipped == 0 {
		fmt.Fprintf(stderr, "mezhved conformance: no case matches --run %q\n", *run)
		return exitError{1}
	}
	return nil
}

// oneLine folds an error's lines into one.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
