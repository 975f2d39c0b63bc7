package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"mezhved/exchange/fault"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/schemas"
)

// checkingTransport reads every answer of the endpoint whole and checks that
// an XML answer validates against the SMEV 3 envelope schemas (and the
// registered payload schemas); a failure is noted on the Env of the call's
// context and fails its case.
type checkingTransport struct {
	base  http.RoundTripper
	suite *Suite
}

const maxAnswer = 64 << 20

func (t *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	e, _ := req.Context().Value(envKey{}).(*Env)
	if e == nil || req.Method != http.MethodPost || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		return resp, nil
	}
	if err := t.suite.schemas.Validate(req.Context(), body); err != nil && req.Context().Err() == nil {
		var ve *schemas.ValidationError
		if errors.As(err, &ve) && len(ve.Issues) > 0 {
			i := ve.Issues[0]
			e.note("an answer (HTTP %d) does not validate against the SMEV 3 schemas: line %d, column %d, %s: %s", resp.StatusCode, i.Line, i.Column, i.Path, i.Reason)
		} else {
			e.note("an answer (HTTP %d) does not validate against the SMEV 3 schemas: %v", resp.StatusCode, err)
		}
	}
	return resp, nil
}

// answer is the endpoint's answer to a raw post.
type answer struct {
	Status      int
	ContentType string
	Body        []byte
	// Reply is the decoded answer, nil when it is not an SMEV 3 reply or a
	// SOAP fault (DecodeErr says why).
	Reply     *soap.Reply
	DecodeErr error
	fault     *wireFault
}

// post sends body to the version's endpoint as is, over the participant
// as's connection, and reads the answer.
func (e *Env) post(ctx context.Context, v soap.Version, as string, body []byte) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.s.Endpoint(v), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := e.s.parties[as].http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, err
	}
	a := &answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: raw}
	doc, err := xmlsafe.Parse(raw, &xmlsafe.Options{MaxBytes: maxAnswer})
	if err != nil {
		a.DecodeErr = err
		return a, nil
	}
	if a.Reply, a.DecodeErr = soap.DecodeReply(doc.Root()); a.DecodeErr == nil && a.Reply.Fault != nil {
		a.fault = readFault(a.Reply.Body)
	}
	return a, nil
}

// String describes an answer briefly, for error messages.
func (a *answer) String() string {
	switch {
	case a.fault != nil:
		return fmt.Sprintf("HTTP %d, fault %s", a.Status, a.fault)
	case a.Reply != nil:
		return fmt.Sprintf("HTTP %d, %sResponse", a.Status, a.Reply.Operation)
	}
	return fmt.Sprintf("HTTP %d, %s: %.200q", a.Status, a.ContentType, a.Body)
}

// wireFault is a SOAP fault as the endpoint wrote it.
type wireFault struct {
	faultCode, faultString string
	// The SMEV fault element in detail.
	name, ns          string
	code, description string // basic:Code, basic:Description
	sigCode           string
	validation        []validationError
	// The hub's mz:FaultInfo; nil when absent.
	info *faultInfo
}

type validationError struct {
	position int
	hasPos   bool
	text     string
}

type faultInfo struct {
	code, name, sigCode, retry string
	positions                  []fault.Position
}

func (f *wireFault) String() string {
	s := f.name
	if s == "" {
		s = "(no SMEV fault element) " + f.faultString
	}
	if f.sigCode != "" {
		s += "/" + f.sigCode
	}
	if f.info != nil {
		s += " " + f.info.code
	}
	if d := f.description; d != "" {
		s += ": " + d
	} else if f.info == nil && f.faultString != "" {
		s += ": " + f.faultString
	}
	return s
}

func readFault(fe *etree.Element) *wireFault {
	f := &wireFault{}
	for c := range fe.ChildElementsSeq() {
		switch c.Tag {
		case "faultcode":
			f.faultCode = strings.TrimSpace(c.Text())
		case "faultstring":
			f.faultString = strings.TrimSpace(c.Text())
		case "detail":
			for d := range c.ChildElementsSeq() {
				ns := d.NamespaceURI()
				switch {
				case ns == soap.FaultInfoNS && d.Tag == "FaultInfo":
					f.info = readFaultInfo(d)
				case strings.HasPrefix(ns, "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/") && f.name == "":
					f.name, f.ns = d.Tag, ns
					for x := range d.ChildElementsSeq() {
						switch x.Tag {
						case "Code":
							f.code = strings.TrimSpace(x.Text())
						case "Description":
							f.description = strings.TrimSpace(x.Text())
						case "SignatureVerificationFault":
							f.sigCode = strings.TrimSpace(x.Text())
						case "ValidationError":
							ve := validationError{text: strings.TrimSpace(x.Text())}
							if a := x.SelectAttr("errorPosition"); a != nil {
								ve.position, _ = strconv.Atoi(strings.TrimSpace(a.Value))
								ve.hasPos = true
							}
							f.validation = append(f.validation, ve)
						}
					}
				}
			}
		}
	}
	return f
}

func readFaultInfo(d *etree.Element) *faultInfo {
	fi := &faultInfo{}
	for x := range d.ChildElementsSeq() {
		switch x.Tag {
		case "Code":
			fi.code = strings.TrimSpace(x.Text())
		case "Name":
			fi.name = strings.TrimSpace(x.Text())
		case "SignatureCode":
			fi.sigCode = strings.TrimSpace(x.Text())
		case "Retry":
			fi.retry = strings.TrimSpace(x.Text())
		case "Position":
			line, _ := strconv.Atoi(x.SelectAttrValue("line", "0"))
			col, _ := strconv.Atoi(x.SelectAttrValue("column", "0"))
			fi.positions = append(fi.positions, fault.Position{Line: line, Column: col, Path: x.SelectAttrValue("path", ""), Reason: strings.TrimSpace(x.Text())})
		}
	}
	return fi
}

// posKind says what a fault must say about where the error is.
type posKind int

const (
	posNone posKind = iota
	// posLine: a line (SMEV: ValidationError errorPosition > 0; the hub:
	// a position with line and column, and the path when the case names an
	// element).
	posLine
	// posPath: the element's path (the hub: a position with a path).
	posPath
)

// expect is the fault a case provokes.
type expect struct {
	// name is the SMEV fault element (the hard check); also lists other
	// names the protocol would allow for the same refusal.
	name string
	also []string
	// sig is the SignatureVerificationFault code, for signature faults.
	sig string
	// mz is the hub's code, checked unless the target is generic.
	mz string
	// pos is what the fault must locate; path, when set, is an element name
	// one of the positions' paths must contain.
	pos  posKind
	path string
	// line, when set, is the line a position must name.
	line int
}

// wantFault checks that the answer is the expected fault, in the version v
// the call was posted to. The hard checks are the protocol's: HTTP 500, a
// SOAP 1.1 fault of class Client with a faultstring, the SMEV fault element
// in v's faults namespace, its SignatureVerificationFault code and
// ValidationError positions. Unless the target is generic, the hub's
// mz:FaultInfo must carry the expected MZ code, the catalog's retry class
// and the positions with line, column and path.
func (e *Env) wantFault(a *answer, v soap.Version, x expect) error {
	if a.Reply == nil || a.Reply.Fault == nil {
		return fmt.Errorf("want fault %s (%s), got %s", x.name, x.mz, a)
	}
	f := a.fault
	if a.Status != http.StatusInternalServerError {
		return fmt.Errorf("fault %s came with HTTP %d; SOAP 1.1 over HTTP answers a fault with 500", f, a.Status)
	}
	if !strings.Contains(a.ContentType, "xml") {
		return fmt.Errorf("fault %s came as %q, not text/xml", f, a.ContentType)
	}
	if _, local, _ := strings.Cut(f.faultCode, ":"); local != "Client" {
		return fmt.Errorf("fault %s has faultcode %q; a refusal of the caller's message is soap:Client", f, f.faultCode)
	}
	if f.faultString == "" {
		return fmt.Errorf("fault %s has no faultstring", f)
	}
	if f.name != x.name && !slices.Contains(x.also, f.name) {
		return fmt.Errorf("want fault %s (%s), got %s", x.name, x.mz, f)
	}
	if f.ns != v.FaultsNS() {
		return fmt.Errorf("fault %s is in namespace %q, want the caller's version's %q", f, f.ns, v.FaultsNS())
	}
	if x.sig != "" && f.sigCode != x.sig {
		return fmt.Errorf("want SignatureVerificationFault %s, got %s", x.sig, f)
	}
	if f.name == fault.NameInvalidContent {
		if len(f.validation) == 0 {
			return fmt.Errorf("InvalidContent without a ValidationError: %s", f)
		}
		for _, ve := range f.validation {
			if !ve.hasPos {
				return fmt.Errorf("a ValidationError without errorPosition: %q", ve.text)
			}
		}
		if x.pos == posLine && !slices.ContainsFunc(f.validation, func(ve validationError) bool { return ve.position > 0 }) {
			return fmt.Errorf("no ValidationError of %s names a line (errorPosition): %+v", f, f.validation)
		}
	}
	if e.s.t.Generic {
		return nil
	}
	fi := f.info
	if fi == nil {
		return fmt.Errorf("fault %s has no mz:FaultInfo (run with Generic for an endpoint that is not mezhved)", f)
	}
	if fi.code != x.mz {
		return fmt.Errorf("want %s %s, got %s", x.mz, x.name, f)
	}
	k := fault.ByCode(x.mz)
	if k == nil {
		return fmt.Errorf("the suite expects %s, which is not in the catalog", x.mz)
	}
	if fi.name != f.name || fi.retry != k.Retry.String() || fi.sigCode != k.SignatureCode {
		return fmt.Errorf("mz:FaultInfo says %s/%s/%s (retry %s), the catalog %s/%s/%s (retry %s)", fi.code, fi.name, fi.sigCode, fi.retry,
			k.Code, k.Name, k.SignatureCode, k.Retry)
	}
	if f.code != "" && f.code != x.mz {
		return fmt.Errorf("the SMEV fault's Code is %q, mz:FaultInfo's %q", f.code, fi.code)
	}
	switch x.pos {
	case posLine:
		ok := slices.ContainsFunc(fi.positions, func(p fault.Position) bool {
			return p.Line > 0 && p.Column > 0 && (x.path == "" || strings.Contains(p.Path, x.path)) && (x.line == 0 || p.Line == x.line)
		})
		if !ok {
			return fmt.Errorf("no position of %s has a line%s, a column and a path naming %q: %+v", f, lineNote(x.line), x.path, fi.positions)
		}
	case posPath:
		if !slices.ContainsFunc(fi.positions, func(p fault.Position) bool { return p.Path != "" && strings.Contains(p.Path, x.path) }) {
			return fmt.Errorf("no position of %s has a path naming %q: %+v", f, x.path, fi.positions)
		}
	}
	return nil
}

func lineNote(line int) string {
	if line == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d)", line)
}

// lineOf returns the line of the first occurrence of s in raw, 0 when absent.
func lineOf(raw []byte, s string) int {
	i := bytes.Index(raw, []byte(s))
	if i < 0 {
		return 0
	}
	return bytes.Count(raw[:i], []byte("\n")) + 1
}

// postFault posts body and checks that the answer is the expected fault.
func (e *Env) postFault(ctx context.Context, v soap.Version, as string, body []byte, x expect) error {
	a, err := e.post(ctx, v, as, body)
	if err != nil {
		return err
	}
	return e.wantFault(a, v, x)
}

// wantAccepted checks that a raw post was answered without a fault.
func wantAccepted(a *answer) error {
	if a.Reply == nil {
		return fmt.Errorf("want an SMEV 3 answer, got %s (%v)", a, a.DecodeErr)
	}
	if a.Reply.Fault != nil {
		return fmt.Errorf("refused: %s", a.fault)
	}
	if a.Status != http.StatusOK {
		return fmt.Errorf("answered with HTTP %d", a.Status)
	}
	return nil
}

// faultOf returns the SOAP fault an adapters.Client call failed with, nil
// when it failed otherwise.
func faultOf(err error) *soap.Fault {
	var f *soap.Fault
	if errors.As(err, &f) {
		return f
	}
	return nil
}

// sign signs a call envelope as the participant by and writes it.
func (e *Env) sign(doc *etree.Document, by string) ([]byte, error) {
	return signWith(doc, e.s.parties[by].signer)
}

func signWith(doc *etree.Document, s soap.Signer) ([]byte, error) {
	if _, err := soap.SignCall(doc.Root(), s); err != nil {
		return nil, err
	}
	return soap.Marshal(doc)
}

// edit parses an envelope, lets f change its tree and writes it back as the
// codec writes envelopes.
func edit(raw []byte, f func(root *etree.Element) error) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	for _, t := range slices.Clone(doc.Child) {
		if _, ok := t.(*etree.ProcInst); ok {
			doc.RemoveChild(t) // Marshal writes the declaration
		}
	}
	if err := f(doc.Root()); err != nil {
		return nil, err
	}
	return soap.Marshal(doc)
}

// replace replaces the first occurrence of old in raw, which must be there.
func replace(raw []byte, old, new string) ([]byte, error) {
	if !bytes.Contains(raw, []byte(old)) {
		return nil, fmt.Errorf("the envelope has no %.80q", old)
	}
	return bytes.Replace(raw, []byte(old), []byte(new), 1), nil
}

// find returns the first element in document order under (and including)
// el whose local name is local.
func find(el *etree.Element, local string) *etree.Element {
	if el.Tag == local {
		return el
	}
	for c := range el.ChildElementsSeq() {
		if f := find(c, local); f != nil {
			return f
		}
	}
	return nil
}

// mustFind is find for elements the case put there itself.
func mustFind(el *etree.Element, local string) (*etree.Element, error) {
	if f := find(el, local); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("no <%s> in <%s>", local, el.Tag)
}

// newID returns a fresh version 1 UUID, as SMEV requires of a MessageID.
func newID() string { return idAt(time.Now()) }

// idAt returns a version 1 UUID whose timestamp is at (100 ns since
// 1582-10-15), with a random clock sequence and node.
func idAt(at time.Time) string {
	u := uuid.New()
	ts := uint64(at.UnixNano()/100) + 0x01B21DD213814000
	u[0], u[1], u[2], u[3] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	u[4], u[5] = byte(ts>>40), byte(ts>>32)
	u[6], u[7] = byte(ts>>56)&0x0f|0x10, byte(ts>>48)
	return u.String()
}
