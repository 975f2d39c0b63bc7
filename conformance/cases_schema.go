package conformance

import (
	"context"
	"regexp"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/soap"
)

// SCHEMA: envelopes and payloads that break their XML Schema. Each is signed
// valid and then broken (schema validation comes before the signature), and
// each refusal must say where: InvalidContent with a ValidationError naming
// the line and, from the hub, line, column and the element's path.
func schemaCases() []Case {
	return []Case{
		{ID: "SCHEMA-001", Desc: "a payload missing a required element (a writ without Debtor) is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Writ", "Writ", func(raw []byte) ([]byte, error) {
			return edit(raw, func(root *etree.Element) error {
				d, err := mustFind(root, "Debtor")
				if err != nil {
					return err
				}
				d.Parent().RemoveChild(d)
				return nil
			})
		})},
		{ID: "SCHEMA-002", Desc: "a payload element in a wrong namespace is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Writ", "Writ", func(raw []byte) ([]byte, error) {
			return replace(raw, "<DocumentKind>", `<DocumentKind xmlns="urn://mezhved/enforcement/writ/2.0">`)
		})},
		{ID: "SCHEMA-003", Desc: "a payload value of the wrong type (an amount with a decimal comma) is InvalidContent (MZ-2001) naming its line, column and path", Run: schemaBadAmount},
		{ID: "SCHEMA-004", Desc: "an unknown element in a payload is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Writ", "Writ", func(raw []byte) ([]byte, error) {
			return replace(raw, "</DocumentDate>", "</DocumentDate><Comment>not in the schema</Comment>")
		})},
		{ID: "SCHEMA-005", Desc: "a value outside its enumeration (a decree's Kind) is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Decree", "Kind", func(raw []byte) ([]byte, error) {
			return replace(raw, "<Kind>arrest-funds</Kind>", "<Kind>freeze-everything</Kind>")
		})},
		{ID: "SCHEMA-006", Desc: "SenderProvidedRequestData without MessageID is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Writ", "SenderProvidedRequestData", func(raw []byte) ([]byte, error) {
			return regexpReplace(raw, `<smev:MessageID>[^<]*</smev:MessageID>`, "")
		})},
		{ID: "SCHEMA-007", Desc: "an envelope element in a wrong namespace (MessageID in the basic namespace) is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Writ", "SenderProvidedRequestData", func(raw []byte) ([]byte, error) {
			return regexpReplace(raw, `<smev:MessageID>([^<]*)</smev:MessageID>`, "<basic:MessageID>$1</basic:MessageID>")
		})},
		{ID: "SCHEMA-008", Desc: "an EOL that is not an xs:dateTime is InvalidContent (MZ-2001) with line, column and path", Run: schemaBadEOL},
		{ID: "SCHEMA-009", Desc: "an unknown element in SenderProvidedRequestData is InvalidContent (MZ-2001) with line, column and path", Run: schemaPayload("Writ", "SenderProvidedRequestData", func(raw []byte) ([]byte, error) {
			return replace(raw, "<basic:MessagePrimaryContent>", "<smev:Priority>high</smev:Priority><basic:MessagePrimaryContent>")
		})},
		{ID: "SCHEMA-010", Desc: "a response payload outside its schema (a decree result's Status) is InvalidContent (MZ-2001) with line, column and path", Run: schemaResponse},
		{ID: "SCHEMA-011", Desc: "a MessageTypeSelector Timestamp that is not an xs:dateTime is InvalidContent (MZ-2001) with line, column and path", Run: schemaSelector},
	}
}

// senderOf is who sends a sample request in the schema cases.
func (e *Env) senderOf(root string) string {
	if root == "Writ" {
		return e.Participant("court")
	}
	return e.Participant("bailiff")
}

// schemaPayload signs a request with the sample payload root, breaks it with
// change and expects a schema fault whose position's path names path.
func schemaPayload(root, path string, change func([]byte) ([]byte, error)) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		from := e.senderOf(root)
		content := payload(root)
		if root == "Decree" {
			content = decreeFor(e.BIC(e.Participant("bank")), 42)
		}
		raw, err := e.signedRequest(soap.V11, from, content, nil)
		if err != nil {
			return err
		}
		if raw, err = change(raw); err != nil {
			return err
		}
		return e.postFault(ctx, soap.V11, from, raw, expect{name: "InvalidContent", mz: "MZ-2001", pos: posLine, path: path})
	}
}

func regexpReplace(raw []byte, expr, with string) ([]byte, error) {
	re := regexp.MustCompile(expr)
	if !re.Match(raw) {
		return nil, errNoMatch(expr)
	}
	return re.ReplaceAll(raw, []byte(with)), nil
}

type errNoMatch string

func (e errNoMatch) Error() string { return "the envelope has nothing matching " + string(e) }

func schemaBadAmount(ctx context.Context, e *Env) error {
	court := e.Participant("court")
	raw, err := e.signedRequest(soap.V11, court, payload("Writ"), nil)
	if err != nil {
		return err
	}
	if raw, err = replace(raw, ">348912.45<", ">348912,45<"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, court, raw, expect{name: "InvalidContent", mz: "MZ-2001", pos: posLine, path: "Amount", line: lineOf(raw, "<Amount")})
}

func schemaBadEOL(ctx context.Context, e *Env) error {
	court := e.Participant("court")
	raw, err := e.signedRequest(soap.V11, court, payload("Writ"), func(d *soap.RequestData) { d.EOL = time.Now().Add(time.Hour) })
	if err != nil {
		return err
	}
	if raw, err = regexpReplace(raw, `<smev:EOL>[^<]*</smev:EOL>`, "<smev:EOL>tomorrow</smev:EOL>"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, court, raw, expect{name: "InvalidContent", mz: "MZ-2001", pos: posLine, path: "EOL", line: lineOf(raw, "<smev:EOL>")})
}

func schemaResponse(ctx context.Context, e *Env) error {
	bank := e.Participant("bank")
	// The schema is checked before To is looked at: no request is needed.
	doc := soap.NewSendResponse(soap.V11, &soap.ResponseData{MessageID: newID(), To: "mz1.conformance", Content: payload("DecreeResult")}, nil)
	raw, err := e.sign(doc, bank)
	if err != nil {
		return err
	}
	if raw, err = replace(raw, "<Status>partly-executed</Status>", "<Status>done</Status>"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, bank, raw, expect{name: "InvalidContent", mz: "MZ-2001", pos: posLine, path: "Status"})
}

func schemaSelector(ctx context.Context, e *Env) error {
	bailiff := e.Participant("bailiff")
	raw, err := e.sign(soap.NewGetRequest(soap.V11, &soap.Selector{Timestamp: time.Now()}), bailiff)
	if err != nil {
		return err
	}
	if raw, err = regexpReplace(raw, `(<basic:Timestamp[^>]*>)[^<]*</basic:Timestamp>`, "${1}yesterday</basic:Timestamp>"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, bailiff, raw, expect{name: "InvalidContent", mz: "MZ-2001", pos: posLine, path: "Timestamp"})
}
