package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/store"
)

// Source is what verification and replay read.
type Source interface {
	store.Reader
	store.Auditor
}

// Options configure Verify.
type Options struct {
	// Signatures re-verifies the caller's signature of every stored
	// envelope, at the time it was received, against the trust the store
	// remembers (and Trust).
	Signatures bool
	// Trust adds certificates to those the store remembers.
	Trust []*x509.Certificate
	// HubCertificates pins the certificates allowed to sign checkpoints.
	// Empty: those the store remembers as the hub's.
	HubCertificates []*x509.Certificate
	// AllowWeak accepts SHA-1 in envelope signatures.
	AllowWeak bool
	// MaxEnvelope bounds the parse of a stored envelope. Default 64 MiB.
	MaxEnvelope int64
}

// Summary is what a successful verification establishes.
type Summary struct {
	Records     uint64
	Envelopes   uint64 // stored envelopes whose digest matched
	Signatures  uint64 // of those, envelopes whose signature verified
	Unsigned    uint64 // envelopes accepted unsigned (insecure mode)
	Checkpoints uint64
	// Covered is the last record a signed checkpoint vouches for; records
	// after it are chained but not yet signed.
	Covered     uint64
	First, Last time.Time
	// Signers are the subjects that signed checkpoints.
	Signers []string
	// Base is where the journal starts, after a retention cut.
	Base store.Base
}

// Verify checks the whole journal of a store. A break is a *store.ChainError
// naming the first broken record and what is wrong there.
func Verify(ctx context.Context, src Source, opts Options) (*Summary, error) {
	if opts.MaxEnvelope <= 0 {
		opts.MaxEnvelope = 64 << 20
	}
	trust, hubCerts, err := loadTrust(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	var cps []store.Checkpoint
	if err := src.Checkpoints(ctx, func(c store.Checkpoint) error { cps = append(cps, c); return nil }); err != nil {
		return nil, err
	}
	base, err := src.JournalBase(ctx)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Base: base}
	if base.Seq > 0 {
		// A cut journal: the checkpoint at the cut vouches for its base.
		i := slices.IndexFunc(cps, func(c store.Checkpoint) bool { return c.Seq == base.Seq })
		if i < 0 || cps[i].Hash != base.Hash {
			return nil, &store.ChainError{Seq: base.Seq, Reason: "the journal was cut here, but no signed checkpoint of this record vouches for the cut"}
		}
	}
	seen := map[string]bool{}
	for _, c := range cps {
		signer, err := checkCheckpoint(c, trust, hubCerts)
		if err != nil {
			return nil, &store.ChainError{Seq: c.Seq, Reason: "checkpoint: " + err.Error()}
		}
		if !seen[signer] {
			seen[signer] = true
			sum.Signers = append(sum.Signers, signer)
		}
	}
	next := slices.IndexFunc(cps, func(c store.Checkpoint) bool { return c.Seq > base.Seq }) // the next checkpoint to meet in the walk
	if next < 0 {
		next = len(cps)
	}
	if base.Seq > 0 {
		sum.Covered = base.Seq
	}
	chain := store.NewChainVerifierAt(base.Seq+1, base.Hash)
	// One verifier, its clock set to each envelope's receipt: verified
	// chains stay cached (within every certificate's validity).
	var at time.Time
	verifier := dsig.NewVerifier(trust, func() time.Time { return at }, dsig.AllowWeak(opts.AllowWeak))
	err = src.Journal(ctx, base.Seq+1, func(r store.Record) error {
		if err := chain.Check(r); err != nil {
			return err
		}
		for next < len(cps) && cps[next].Seq == r.Seq {
			if cps[next].Hash != r.Hash {
				return &store.ChainError{Seq: r.Seq, Reason: "the signed checkpoint of this record names another hash: the journal was changed after it was signed"}
			}
			sum.Checkpoints++
			sum.Covered = r.Seq
			next++
		}
		if r.Event != store.EventReceived {
			return nil
		}
		m, err := src.Message(ctx, r.MessageID)
		if err != nil {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the envelope of message %s is missing: %v", r.MessageID, err)}
		}
		digest := sha256.Sum256(m.Envelope)
		if hex.EncodeToString(digest[:]) != r.EnvelopeSHA256 {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the stored envelope of message %s does not match the digest recorded", r.MessageID)}
		}
		sum.Envelopes++
		if !opts.Signatures {
			return nil
		}
		at = r.Time
		signed, err := verifyEnvelope(m.Envelope, verifier, opts.MaxEnvelope)
		if err != nil {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the envelope of message %s: %v", r.MessageID, err)}
		}
		if signed {
			sum.Signatures++
		} else {
			sum.Unsigned++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if next < len(cps) {
		return nil, &store.ChainError{Seq: cps[next].Seq, Reason: "a signed checkpoint names this record, which the journal no longer has: records were removed from its end"}
	}
	if err := accountedFor(ctx, src, base.Seq, chain.Records+base.Seq); err != nil {
		return nil, err
	}
	sum.Records, sum.First, sum.Last = chain.Records, chain.First, chain.Last
	return sum, nil
}

// accountedFor checks that the journal records the receipt of every
// message the store holds deliveries of (a retention cut removes messages
// with their records): a message the store would deliver but the journal
// never recorded is a gap the chain alone cannot show. last is the last
// record's sequence number, where the gap is reported.
func accountedFor(ctx context.Context, src Source, base, last uint64) error {
	checked := map[string]bool{}
	return src.EachDelivery(ctx, func(d store.DeliveryState) error {
		if checked[d.MessageID] {
			return nil
		}
		checked[d.MessageID] = true
		found := false
		err := src.JournalBy(ctx, store.ByMessage, d.MessageID, func(r store.Record) error {
			found = found || r.Seq > base && r.MessageID == d.MessageID && r.Event == store.EventReceived
			return nil
		})
		if err != nil {
			return err
		}
		if !found {
			return &store.ChainError{Seq: last, Reason: fmt.Sprintf("message %s is stored and has deliveries, but the journal has no record of its receipt", d.MessageID)}
		}
		return nil
	})
}

// loadTrust builds the trust store of the journal's time and the set of
// certificates that may sign checkpoints.
func loadTrust(ctx context.Context, src Source, opts Options) (*dsig.TrustStore, []*x509.Certificate, error) {
	certs := slices.Clone(opts.Trust)
	ders, err := src.Certificates(ctx, store.RoleTrust)
	if err != nil {
		return nil, nil, err
	}
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: a remembered trust certificate: %v", store.ErrCorrupt, err)
		}
		certs = append(certs, c)
	}
	hub := slices.Clone(opts.HubCertificates)
	if len(hub) == 0 {
		ders, err := src.Certificates(ctx, store.RoleHub)
		if err != nil {
			return nil, nil, err
		}
		for _, der := range ders {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: a remembered hub certificate: %v", store.ErrCorrupt, err)
			}
			hub = append(hub, c)
		}
	}
	return dsig.NewTrustStore(certs), hub, nil
}

// checkCheckpoint verifies a checkpoint's signature, that its signer is one
// of the hub's certificates and that the certificate chained to the trust
// at the checkpoint's time. It returns the signer's subject.
func checkCheckpoint(c store.Checkpoint, trust *dsig.TrustStore, hub []*x509.Certificate) (string, error) {
	if len(c.Certificates) == 0 {
		return "", errors.New("it carries no certificate")
	}
	var chain []*x509.Certificate
	for _, der := range c.Certificates {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return "", fmt.Errorf("its certificate cannot be read: %v", err)
		}
		chain = append(chain, cert)
	}
	signer := chain[0]
	if !slices.ContainsFunc(hub, func(h *x509.Certificate) bool { return bytes.Equal(h.Raw, signer.Raw) }) {
		return "", fmt.Errorf("it is signed by %s (SHA-256 %s), which is not the hub's certificate", signer.Subject, dsig.Fingerprint(signer))
	}
	if err := dsig.VerifyBytes(signer, c.Method, c.SignedBytes(), c.Signature, false); err != nil {
		return "", fmt.Errorf("its signature does not verify: %v", err)
	}
	at := c.Time
	if _, err := dsig.NewVerifier(trust, func() time.Time { return at }).VerifyCertificate(signer, chain[1:]); err != nil {
		return "", fmt.Errorf("its signer's certificate: %v", err)
	}
	return signer.Subject.String(), nil
}

// verifyEnvelope re-verifies the caller's signature of a stored call. It
// reports false for an envelope stored without one (insecure test mode).
func verifyEnvelope(raw []byte, v *dsig.Verifier, maxBytes int64) (bool, error) {
	doc, err := xmlsafe.Parse(raw, &xmlsafe.Options{MaxBytes: maxBytes})
	if err != nil {
		return false, fmt.Errorf("cannot be read: %v", err)
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		return false, fmt.Errorf("cannot be decoded: %v", err)
	}
	if call.Signature == nil {
		return false, nil
	}
	if _, err := v.Verify(call.Envelope, call.Signature, call.Signed); err != nil {
		return false, fmt.Errorf("its signature no longer verifies: %v", err)
	}
	return true, nil
}
