package soap

import (
	"fmt"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
)

// SignCall signs a call envelope as its operation requires: the signed
// element (SenderProvidedRequestData, SenderProvidedResponseData,
// MessageTypeSelector, AckTargetMessage or Timestamp) gets an Id if it has
// none, and its signature goes into CallerInformationSystemSignature, which
// is created in its schema position or emptied if it exists.
func SignCall(root *etree.Element, s Signer) (*Call, error) {
	c, err := DecodeCall(root)
	if err != nil {
		return nil, err
	}
	if c.Signed.SelectAttr("Id") == nil {
		c.Signed.CreateAttr("Id", freeID(root, CallerSignedID, nil))
	}
	if id := c.Signed.SelectAttrValue("Id", ""); len(dsig.ElementsByID(root, id)) != 1 {
		return nil, fmt.Errorf("soap: Id %q of %s is not unique in the envelope", id, c.Signed.Tag)
	}
	sig, err := s.Sign(c.Signed)
	if err != nil {
		return nil, err
	}
	holder := callerSignatureHolder(c)
	for _, t := range append([]etree.Token(nil), holder.Child...) {
		holder.RemoveChild(t)
	}
	holder.AddChild(sig)
	c.Signature = sig
	return c, nil
}

// callerSignatureHolder returns CallerInformationSystemSignature of the call,
// creating it after the signed element and AttachmentContentList, where the
// schema puts it.
func callerSignatureHolder(c *Call) *etree.Element {
	d := decoder{v: c.Version}
	if h := d.child(c.Body, c.Version.TypesNS(), "CallerInformationSystemSignature"); h != nil {
		return h
	}
	after := c.Signed
	if l := d.child(c.Body, c.Version.BasicNS(), "AttachmentContentList"); l != nil {
		after = l
	}
	prefix := c.Body.Space
	tag := "CallerInformationSystemSignature"
	if prefix != "" {
		tag = prefix + ":" + tag
	}
	h := etree.NewElement(tag)
	c.Body.InsertChildAt(after.Index()+1, h)
	return h
}
