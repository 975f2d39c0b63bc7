package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/store"
	"mezhved/store/boltstore"
)

const journalUsage = `usage: mezhved journal verify --data DIR [--trust FILE|DIR] [--hub-cert FILE] [--no-signatures]

Verifies the hub's journal: the hash chain, every signed checkpoint (signed by the hub's
certificate, which chained to the trust of its time), every stored envelope against the digest
its record holds, and every envelope's signature at the time it was received against the trust
the store remembers. Exits 0 with a summary, or 1 naming the first broken record.`

func runJournal(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, journalUsage)
		return errUsage
	}
	switch args[0] {
	case "verify":
		return runJournalVerify(args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, journalUsage)
	return errUsage
}

func runJournalVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved journal verify", stderr)
	data := fs.String("data", "", "the hub's data directory")
	trustPath := fs.String("trust", "", "certificates to trust besides those the store remembers (PEM file or directory)")
	hubCert := fs.String("hub-cert", "", "the hub's certificate (PEM): only it may sign checkpoints (default: the certificates the store remembers as the hub's)")
	noSigs := fs.Bool("no-signatures", false, "do not re-verify the envelopes' signatures (chain, checkpoints and digests only)")
	allowWeak := fs.Bool("allow-weak", false, "accept SHA-1 in envelope signatures")
	fs.Usage = func() {
		fmt.Fprintln(stderr, journalUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	opts := audit.Options{Signatures: !*noSigs, AllowWeak: *allowWeak}
	var err error
	if *trustPath != "" {
		if opts.Trust, err = dsig.LoadCertificates(*trustPath); err != nil {
			return err
		}
	}
	if *hubCert != "" {
		if opts.HubCertificates, err = dsig.LoadCertificates(*hubCert); err != nil {
			return err
		}
	}
	st, cleanup, err := openForAudit(*data, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	sum, err := audit.Verify(context.Background(), st, opts)
	if err != nil {
		var ce *store.ChainError
		if errors.As(err, &ce) {
			fmt.Fprintf(stderr, "journal verify: %v\n", ce)
			return exitError{1}
		}
		return err
	}
	printSummary(stdout, sum, opts)
	return nil
}

func printSummary(w io.Writer, s *audit.Summary, opts audit.Options) {
	span := "empty"
	if s.Records > 0 {
		span = fmt.Sprintf("from %s to %s", s.First.UTC().Format(time.RFC3339), s.Last.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "journal intact: %d records, %s\n", s.Records, span)
	fmt.Fprintf(w, "  envelopes: %d match their digests", s.Envelopes)
	if opts.Signatures {
		fmt.Fprintf(w, "; %d signatures verified at their time of receipt", s.Signatures)
		if s.Unsigned > 0 {
			fmt.Fprintf(w, ", %d accepted unsigned", s.Unsigned)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  checkpoints: %d", s.Checkpoints)
	if s.Checkpoints > 0 {
		fmt.Fprintf(w, ", signed by %s, covering records 1 to %d", strings.Join(s.Signers, "; "), s.Covered)
	}
	fmt.Fprintln(w)
	if s.Covered < s.Records {
		fmt.Fprintf(w, "  records %d to %d are chained but not yet covered by a signed checkpoint\n", s.Covered+1, s.Records)
	}
}

// openForAudit opens a hub's store for reading. When a running hub holds
// the file, it reads a consistent snapshot the hub streams over its admin
// socket instead.
func openForAudit(data string, stderr io.Writer) (audit.Source, func(), error) {
	path := filepath.Join(data, "mezhved.db")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, err
	}
	st, err := boltstore.Open(path, &boltstore.Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
	if err == nil {
		return st, func() { st.Close() }, nil
	}
	if _, serr := os.Stat(filepath.Join(data, adminSocket)); serr != nil {
		return nil, nil, fmt.Errorf("%w (a hub holds the store, and it has no admin socket)", err)
	}
	snap, remove, err := fetchSnapshot(data)
	if err != nil {
		return nil, nil, err
	}
	st, err = boltstore.Open(snap, &boltstore.Options{ReadOnly: true})
	if err != nil {
		remove()
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "the hub is running: reading a consistent snapshot of its store taken at %s\n", time.Now().UTC().Format(time.RFC3339))
	return st, func() { st.Close(); remove() }, nil
}
