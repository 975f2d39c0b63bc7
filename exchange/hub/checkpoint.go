package hub

import (
	"context"
	"crypto/x509"
	"time"

	"mezhved/store"
)

// bytesSigner is what checkpoints need of the hub's signer.
type bytesSigner interface {
	SignBytes(data []byte) (method string, value []byte, err error)
	Certificates() []*x509.Certificate
}

// checkpointer signs the journal's head when enough records or time went by.
type checkpointer struct {
	h        *Hub
	signer   bytesSigner
	lastSeq  uint64
	lastTime time.Time
}

func newCheckpointer(h *Hub) *checkpointer {
	c := &checkpointer{h: h, lastTime: h.now()}
	c.signer, _ = h.cfg.Signer.(bytesSigner)
	if c.signer == nil {
		h.log.Warn("the hub's signer cannot sign checkpoints; the journal gets none")
	}
	_ = h.store.Checkpoints(context.Background(), func(cp store.Checkpoint) error {
		c.lastSeq = cp.Seq
		return nil
	})
	return c
}

// maybe signs a checkpoint if it is due.
func (c *checkpointer) maybe(ctx context.Context) {
	if c.signer == nil {
		return
	}
	seq, _, err := c.h.store.Head(ctx)
	if err != nil || seq == c.lastSeq {
		return
	}
	// A clock set back (elapsed below zero) makes a checkpoint due rather
	// than none until the clock catches up.
	if elapsed := c.h.now().Sub(c.lastTime); seq-c.lastSeq < c.h.cfg.CheckpointEvery && elapsed >= 0 && elapsed < c.h.cfg.CheckpointInterval {
		return
	}
	c.sign(ctx)
}

// final signs a checkpoint of whatever the journal holds at shutdown.
func (c *checkpointer) final() {
	if c.signer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if seq, _, err := c.h.store.Head(ctx); err == nil && seq != c.lastSeq {
		c.sign(ctx)
	}
}

func (c *checkpointer) sign(ctx context.Context) {
	seq, hash, err := c.h.store.Head(ctx)
	if err != nil {
		c.h.log.Error("checkpoint: reading the journal head", "err", err)
		return
	}
	cp := store.Checkpoint{Seq: seq, Hash: hash, Time: c.h.now().UTC()}
	cp.Method, cp.Signature, err = c.signer.SignBytes(cp.SignedBytes())
	if err != nil {
		c.h.log.Error("checkpoint: signing", "err", err)
		return
	}
	for _, cert := range c.signer.Certificates() {
		cp.Certificates = append(cp.Certificates, cert.Raw)
	}
	if err := c.h.store.AddCheckpoint(ctx, cp); err != nil {
		c.h.log.Error("checkpoint: storing", "seq", seq, "err", err)
		return
	}
	c.lastSeq, c.lastTime = seq, c.h.now()
	c.h.log.Debug("journal checkpoint signed", "seq", seq)
}
