package bridge

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

// Namespace is the namespace of the elements the bridges themselves write
// (Rejections, for a response that carries no payload).
const Namespace = "urn://mezhved/bridge/1.0"

// DefaultMaxBytes caps an answer body or an answer file unless configured
// otherwise: the cap the hub itself puts on a message.
const DefaultMaxBytes = xmlsafe.DefaultMaxBytes

// maxReason is the longest refusal reason passed on, in bytes: a reason is
// logged and sent back through the hub, so an agency must not be able to
// flood either with it.
const maxReason = 512

// marshal writes the payload root as a standalone UTF-8 document: the copy
// declares every namespace prefix in scope where the payload sat in the
// envelope, so it means the same outside it.
func marshal(payload *etree.Element) ([]byte, error) {
	return soap.Marshal(etree.NewDocumentWithRoot(soap.Detach(payload)))
}

// responseBody is what the agency receives for a response: its payload, or,
// for a rejection or a status (no payload), a Rejections element in the
// bridge's namespace listing the rejections.
func responseBody(r *adapters.Response) (typ, ns string, body []byte, err error) {
	if r.Payload != nil {
		body, err = marshal(r.Payload)
		return r.Payload.Tag, r.Payload.NamespaceURI(), body, err
	}
	root := etree.NewElement("Rejections")
	root.CreateAttr("xmlns", Namespace)
	for _, rj := range r.Rejections {
		e := root.CreateElement("Rejection")
		e.CreateAttr("code", rj.Code)
		e.SetText(rj.Description)
	}
	body, err = soap.Marshal(etree.NewDocumentWithRoot(root))
	return "Rejections", Namespace, body, err
}

// parseAnswer checks that data is one well-formed XML document with one
// root element, within max bytes, and returns its root.
func parseAnswer(data []byte, max int64) (*etree.Element, error) {
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", xmlsafe.ErrTooLarge, max)
	}
	doc, err := xmlsafe.Parse(data, &xmlsafe.Options{MaxBytes: max})
	if err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("%w: no root element", xmlsafe.ErrMalformed)
	}
	return doc.Root(), nil
}

// loggable describes a parse error without the excerpt of the input that
// xmlsafe quotes: errors end up in logs, and payloads must not.
func loggable(err error) error {
	var xe *xmlsafe.Error
	if !errors.As(err, &xe) {
		return err
	}
	if xe.Line > 0 {
		return fmt.Errorf("%w at line %d, column %d", xe.Err, xe.Line, xe.Column)
	}
	return xe.Err
}

// cleanReason turns text an agency wrote into a refusal reason that is safe
// to log and to send on: valid UTF-8, control characters (line breaks
// included, so that it cannot forge log lines) as spaces, at most maxReason
// bytes.
func cleanReason(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// headerValue percent-encodes every byte but the RFC 3986 unreserved ones,
// so that any value (Cyrillic, line breaks, a '+') travels in a header
// unchanged and any percent-decoder restores it.
func headerValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// timestamp formats a delivery time as the contracts say: RFC 3339 in UTC,
// empty when unknown.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
