// Command mezhved is the interagency data-exchange hub and its tools.
//
// Usage:
//
//	mezhved serve --dev --data DIR [--listen ADDR]
//	mezhved client COMMAND --hub URL --key FILE --cert FILE ...
//	mezhved journal verify --data DIR
//	mezhved check [--trust FILE|DIR] [--registry FILE] [--allow-unsigned] [--json] FILE...
//	mezhved dsig transform | sign --key FILE --cert FILE [--profile smev|standard] | verify --trust FILE|DIR
//	mezhved ident KIND VALUE [BIC]
//	mezhved pki init --dir DIR [--alg ecdsa|rsa]
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// errUsage marks a usage error: the command exits with status 2.
var errUsage = errors.New("usage")

// exitError carries an exit status with a message already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

type command struct {
	name, summary string
	run           func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the hub", runServe},
		{"client", "call a hub as a participant (send-request, get-request, ack, send-response, get-response, status, stats)", runClient},
		{"adapter", "run an agency's adapter: a webhook or file bridge, or a simulated agency", runAdapter},
		{"journal", "verify, replay, export and prune the hub's journal", runJournal},
		{"check", "validate envelopes offline as the hub's door does", runCheck},
		{"dsig", "transform, sign and verify envelopes", runDsig},
		{"ident", "check an identifier (inn, ogrn, ogrnip, snils, bic, account, vin, cadastral, proceeding)", runIdent},
		{"pki", "make a development PKI", runPKI},
		{"conformance", "run the black-box SMEV 3 endpoint suite against a hub", runConformance},
		{"bench", "measure the hub: ingest, round trips, broadcast, mixed sizes, the limit, JetStream, backlog", runBench},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "mezhved: an interagency data-exchange hub speaking SMEV 3")
	fmt.Fprintln(w, "\nusage: mezhved COMMAND [arguments]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'mezhved COMMAND -h' for a command's options.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdin, stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "mezhved %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "mezhved: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}
