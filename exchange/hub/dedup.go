package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/store"
)

// resent looks at the message the store already holds under a MessageID it
// refused (store.ErrAlreadySent) and reports whether the call sends that
// same message again: the same sender, the same signed data after the SMEV
// transform and the same attachments. Signatures are left out of the
// comparison (the caller's, the personal signature and the attachments'
// PKCS#7 signatures): a client that signs again when it retries, as stock
// SOAP toolkits do, makes new signature values over the same content, and
// its retry is the message it already sent, not a new one under a used
// MessageID. The stored message is returned when it is the same. The error
// is the store's when it cannot read the stored message (other than
// store.ErrNotFound): whether the call is the same message is then unknown.
func (h *Hub) resent(ctx context.Context, id string, a *exchange.Accepted, sender string) (*store.Message, bool, error) {
	orig, err := h.store.Message(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("hub: reading the message stored under %s to compare it with the one sent again: %w", id, err)
	}
	if orig.Sender != sender || len(orig.Envelope) == 0 {
		return nil, false, nil
	}
	call, err := parseStored(orig)
	if err != nil || call.Operation != a.Call.Operation {
		return nil, false, nil
	}
	if !slices.Equal(call.Attachments, a.Call.Attachments) {
		return nil, false, nil
	}
	before, err := signedContent(call.Signed)
	if err != nil {
		return nil, false, nil
	}
	now, err := signedContent(a.Call.Signed)
	if err != nil || !bytes.Equal(before, now) {
		return nil, false, nil
	}
	return orig, true, nil
}

// signedContent is the SMEV transform of a signed element without the
// signatures inside it.
func signedContent(signed *etree.Element) ([]byte, error) {
	el := signed.Copy()
	// The copy is cut from its ancestors: it takes the namespace
	// declarations in scope with it.
	for p := signed.Parent(); p != nil; p = p.Parent() {
		for _, at := range p.Attr {
			if (at.Space == "xmlns" || at.Space == "" && at.Key == "xmlns") && el.SelectAttr(at.FullKey()) == nil {
				el.CreateAttr(at.FullKey(), at.Value)
			}
		}
	}
	var strip func(*etree.Element)
	strip = func(e *etree.Element) {
		for _, c := range slices.Collect(e.ChildElementsSeq()) {
			if c.Tag == "PersonalSignature" || c.Tag == "SignaturePKCS7" {
				e.RemoveChild(c)
				continue
			}
			strip(c)
		}
	}
	strip(el)
	return dsig.AppendSMEV(nil, el)
}
