package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"mezhved/store"
	"mezhved/store/boltstore"
)

func runJournal(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: mezhved journal verify --data DIR")
		return errUsage
	}
	fs := newFlags("mezhved journal verify", stderr)
	data := fs.String("data", "", "the hub's data directory")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved journal verify --data DIR\n\nRecomputes the journal's hash chain and every stored envelope's digest. Exits 0 and prints a\nsummary when all is intact; exits 1 naming the first broken record otherwise.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	st, err := boltstore.Open(filepath.Join(*data, "mezhved.db"), &boltstore.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("%w (a running hub holds the store: stop it first)", err)
	}
	defer st.Close()
	sum, err := verifyJournal(context.Background(), st)
	if err != nil {
		fmt.Fprintf(stderr, "journal verify: %v\n", err)
		return exitError{1}
	}
	fmt.Fprintf(stdout, "journal intact: %d records (%d envelopes), from %s to %s\n", sum.records, sum.envelopes,
		sum.first.UTC().Format(time.RFC3339), sum.last.UTC().Format(time.RFC3339))
	return nil
}

type journalSummary struct {
	records, envelopes uint64
	first, last        time.Time
}

// verifyJournal checks the chain and, for each received message, the stored
// envelope against the digest its record holds.
func verifyJournal(ctx context.Context, st store.Store) (journalSummary, error) {
	v := store.NewChainVerifier()
	var envelopes uint64
	err := st.Journal(ctx, 1, func(r store.Record) error {
		if err := v.Check(r); err != nil {
			return err
		}
		if r.Event != store.EventReceived {
			return nil
		}
		m, err := st.Message(ctx, r.MessageID)
		if err != nil {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the envelope of message %s is missing: %v", r.MessageID, err)}
		}
		sum := sha256.Sum256(m.Envelope)
		if hex.EncodeToString(sum[:]) != r.EnvelopeSHA256 {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the stored envelope of message %s does not match the digest recorded", r.MessageID)}
		}
		envelopes++
		return nil
	})
	if err != nil {
		var ce *store.ChainError
		if !errors.As(err, &ce) {
			return journalSummary{}, err
		}
		return journalSummary{}, ce
	}
	return journalSummary{records: v.Records, envelopes: envelopes, first: v.First, last: v.Last}, nil
}
