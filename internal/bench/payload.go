package bench

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/soap"
	"mezhved/schemas"
)

// sample returns a copy of the shipped sample payload schemas/payloads/<root>.xml.
func sample(root string) (*etree.Element, error) {
	data, err := fs.ReadFile(schemas.Files(), "payloads/"+root+".xml")
	if err != nil {
		return nil, fmt.Errorf("bench: sample payload %s: %w", root, err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("bench: sample payload %s: %w", root, err)
	}
	return doc.Root(), nil
}

// payloads are the contents the scenarios send, read once.
type payloads struct {
	// writ is the writ of the 4 KB SendRequest (the sample without its
	// attachment list and the creditor's address, as the exchange package's
	// benchmarks use it).
	writ *etree.Element
	// writAnswer answers it.
	writAnswer *etree.Element
	// accountQuery is a bank account query without a BIC: broadcast to
	// every bank.
	accountQuery *etree.Element
}

func loadPayloads() (*payloads, error) {
	var p payloads
	var err error
	if p.writ, err = sample("Writ"); err != nil {
		return nil, err
	}
	if a := p.writ.SelectElement("Attachments"); a != nil {
		p.writ.RemoveChild(a)
	}
	if a := p.writ.FindElement("Creditor/Address"); a != nil {
		a.Parent().RemoveChild(a)
	}
	if p.writAnswer, err = sample("WritAnswer"); err != nil {
		return nil, err
	}
	if p.accountQuery, err = sample("BankAccountQuery"); err != nil {
		return nil, err
	}
	if b := p.accountQuery.SelectElement("BIC"); b != nil {
		p.accountQuery.RemoveChild(b)
	}
	return &p, nil
}

// accountQueryFor returns the bank account query routed to the bank with
// this BIC.
func (p *payloads) accountQueryFor(bic string) *etree.Element {
	q := p.accountQuery.Copy()
	q.CreateElement("BIC").SetText(bic)
	return q
}

// body is one call's envelope, ready to post: its bytes in parts, so that a
// large attachment's content is shared by every envelope of its size
// instead of copied into each.
type body struct {
	parts [][]byte
	n     int64
}

func oneBody(b []byte) body { return body{parts: [][]byte{b}, n: int64(len(b))} }

// joinBelow is the size under which an envelope in parts is posted as one
// slice. net/http writes the body of a request whose reader it does not
// know to be in memory (a bytes.Reader is one, a MultiReader is not) apart
// from its header, one write per part, so that the hub reads a request in
// pieces, each a wake-up; a copy of a small envelope costs less.
const joinBelow = 64 << 10

// reader returns the envelope's bytes.
func (b body) reader() io.Reader {
	if len(b.parts) == 1 || b.n < joinBelow {
		return bytes.NewReader(b.bytes())
	}
	rs := make([]io.Reader, len(b.parts))
	for i, p := range b.parts {
		rs[i] = bytes.NewReader(p)
	}
	return io.MultiReader(rs...)
}

// bytes returns the envelope as one slice (a copy when it is in parts).
func (b body) bytes() []byte {
	if len(b.parts) == 1 {
		return b.parts[0]
	}
	return bytes.Join(b.parts, nil)
}

// fill is the content of one large attachment: base64 text of a given
// length, shared by every envelope that carries it.
type fill struct {
	content []byte
}

// newFill makes n bytes of base64 text (n is rounded down to a multiple of
// four).
func newFill(n int) *fill {
	n -= n % 4
	b := make([]byte, n)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range b {
		b[i] = alphabet[(i*7+i/64)%64]
	}
	return &fill{content: b}
}

// placeholder stands for an attachment's content while the envelope is
// built and signed; it is valid base64 that occurs nowhere else.
const placeholder = "TUVaSFZFREJFTkNIRklMTA=="

// sendRequest builds a SendRequest of content (copied) from a participant,
// with a fresh MessageID, signed by s (unsigned when s is nil). With f, the
// request carries one attachment whose content is f's: the envelope is
// built and signed with a placeholder there (the attachment's content is
// outside the signed element), then posted with f's bytes in its place.
func sendRequest(s soap.Signer, content *etree.Element, f *fill) (body, string, error) {
	id, err := adapters.NewMessageID()
	if err != nil {
		return body{}, "", err
	}
	d := &soap.RequestData{MessageID: id, Content: content, TransactionCode: "bench"}
	var atts []soap.Attachment
	if f != nil {
		d.AttachmentHeaders = []soap.AttachmentHeader{{ContentID: "att-1", MimeType: "application/pdf"}}
		atts = []soap.Attachment{{ID: "att-1", Content: placeholder}}
	}
	doc := soap.NewSendRequest(soap.V11, d, atts)
	if s != nil {
		if _, err := soap.SignCall(doc.Root(), s); err != nil {
			return body{}, "", err
		}
	}
	raw, err := soap.Marshal(doc)
	if err != nil {
		return body{}, "", err
	}
	if f == nil {
		return oneBody(raw), id, nil
	}
	i := bytes.Index(raw, []byte(placeholder))
	if i < 0 || bytes.Count(raw, []byte(placeholder)) != 1 {
		return body{}, "", fmt.Errorf("bench: the attachment placeholder is not in the envelope once")
	}
	head, tail := raw[:i], raw[i+len(placeholder):]
	return body{parts: [][]byte{head, f.content, tail}, n: int64(len(head) + len(f.content) + len(tail))}, id, nil
}

// SizeClass is one size of the mixed profile.
type SizeClass struct {
	// Name is the nominal size ("2 kB").
	Name string
	// Bytes is the envelope size aimed at; Share the fraction of messages.
	Bytes int
	Share float64
}

// MixedProfile is X-Road's load-test mix of message sizes: 2 kB 30%, 10 kB
// 60%, 100 kB 9%, 2 MB 0.9%, 10 MB 0.1% (decimal units, envelope bytes).
var MixedProfile = []SizeClass{
	{"2 kB", 2_000, 0.30},
	{"10 kB", 10_000, 0.60},
	{"100 kB", 100_000, 0.09},
	{"2 MB", 2_000_000, 0.009},
	{"10 MB", 10_000_000, 0.001},
}

// classOrder spreads a profile's classes over 1,000 slots so that rare
// classes do not come in a burst: slot i of a cycle gets order[i].
func classOrder(profile []SizeClass) []int {
	order := make([]int, 1000)
	counts := make([]float64, len(profile))
	for i := range order {
		best, bestLag := 0, -1e18
		for c, sc := range profile {
			lag := sc.Share*float64(i+1) - counts[c]
			if lag > bestLag {
				best, bestLag = c, lag
			}
		}
		counts[best]++
		order[i] = best
	}
	return order
}

// describeSizes says what the classes came to: "2 kB→2,871 B".
func describeSizes(profile []SizeClass, actual []int64) string {
	var parts []string
	for i, c := range profile {
		parts = append(parts, fmt.Sprintf("%s→%s B", c.Name, thousands(actual[i])))
	}
	return strings.Join(parts, ", ")
}
