package schemas_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	xsd "github.com/jacoelho/xsd"
	"github.com/jacoelho/xsd/xsderrors"
)

// The envelope schemas in xsd/soap and xsd/smev are written for this project.
// These tests check them against hand-written envelopes and, where the public
// SMEV 3 schemas are available in ../../shared/reference/smev3, check that the
// public schemas reach the same verdict on the same SMEV element. The public
// schemas describe no SOAP envelope, so they are given the Body's child (or,
// for a SOAP Fault, the children of its detail) cut out of the envelope as a
// standalone document that carries the namespace declarations in scope.

const (
	envSchemaDir    = "xsd"
	envTestdataDir  = "testdata/envelopes"
	envPublicDir    = "../../shared/reference/smev3"
	envPublicSample = envPublicDir + "/samples/send-request-1.2-fns-vipul.xml"
	envSoapNS       = "http://schemas.xmlsoap.org/soap/envelope/"
)

// envOurSchemaFiles lists the files our engine for version ver is compiled from.
func envOurSchemaFiles(t *testing.T, ver string) []string {
	t.Helper()
	smev, err := filepath.Glob(filepath.Join(envSchemaDir, "smev", ver, "*.xsd"))
	if err != nil || len(smev) == 0 {
		t.Fatalf("no schemas for version %s: %v", ver, err)
	}
	return append([]string{filepath.Join(envSchemaDir, "soap", "envelope.xsd")}, smev...)
}

func envCompileFiles(t *testing.T, files []string, extra ...xsd.SchemaSource) *xsd.Engine {
	t.Helper()
	srcs := make([]xsd.SchemaSource, 0, len(files)+len(extra))
	for _, f := range files {
		srcs = append(srcs, xsd.File(f))
	}
	srcs = append(srcs, extra...)
	engine, err := xsd.Compile(context.Background(), srcs...)
	if err != nil {
		t.Fatalf("compile %v: %v", files, err)
	}
	return engine
}

// Engines are compiled once per version and shared by the tests (an Engine is
// safe for concurrent use).
var (
	envEngineMu sync.Mutex
	envEngines  = map[string]*xsd.Engine{}
)

func envCachedEngine(t *testing.T, key string, build func() *xsd.Engine) *xsd.Engine {
	t.Helper()
	envEngineMu.Lock()
	defer envEngineMu.Unlock()
	if e, ok := envEngines[key]; ok {
		return e
	}
	e := build()
	envEngines[key] = e
	return e
}

func envOurEngine(t *testing.T, ver string) *xsd.Engine {
	t.Helper()
	return envCachedEngine(t, "ours/"+ver, func() *xsd.Engine {
		return envCompileFiles(t, envOurSchemaFiles(t, ver))
	})
}

func envRequirePublic(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(envPublicDir); err != nil {
		t.Skipf("public SMEV 3 schemas not available: %v", err)
	}
}

func envPublicEngine(t *testing.T, ver string) *xsd.Engine {
	t.Helper()
	envRequirePublic(t)
	return envCachedEngine(t, "public/"+ver, func() *xsd.Engine {
		files, err := filepath.Glob(filepath.Join(envPublicDir, ver, "*.xsd"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no public schemas for version %s: %v", ver, err)
		}
		return envCompileFiles(t, files)
	})
}

func envValidate(e *xsd.Engine, doc []byte) error {
	return e.Validate(context.Background(), bytes.NewReader(doc))
}

func envReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type envNSFrame struct {
	decls map[string]string // prefix ("" for the default namespace) -> URI
}

// envExtractPayloads cuts the SMEV elements out of a SOAP envelope: each child of
// soap:Body, or each child of soap:Fault/detail when the Body holds a Fault.
// Every element is returned byte for byte as a standalone document, with the
// namespace declarations of its ancestors that it does not redeclare added to
// its start tag.
func envExtractPayloads(data []byte) ([][]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var (
		stack    []envNSFrame
		path     []string // "{ns}local" of the open elements
		out      [][]byte
		capDepth = -1 // depth of the element being captured, or -1
		capStart int64
		capTag   string
		capDecls map[string]string
	)
	lookup := func(prefix string) string {
		for i := len(stack) - 1; i >= 0; i-- {
			if uri, ok := stack[i].decls[prefix]; ok {
				return uri
			}
		}
		return ""
	}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			decls := map[string]string{}
			for _, a := range tok.Attr {
				switch {
				case a.Name.Space == "xmlns":
					decls[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					decls[""] = a.Value
				}
			}
			stack = append(stack, envNSFrame{decls: decls})
			name := "{" + lookup(tok.Name.Space) + "}" + tok.Name.Local
			path = append(path, name)
			if capDepth >= 0 {
				continue
			}
			env, body, fault := "{"+envSoapNS+"}Envelope", "{"+envSoapNS+"}Body", "{"+envSoapNS+"}Fault"
			isPayload := len(path) == 3 && path[0] == env && path[1] == body && name != fault
			isDetail := len(path) == 5 && path[0] == env && path[1] == body && path[2] == fault && path[3] == "{}detail"
			if isPayload || isDetail {
				capDepth, capStart, capDecls = len(path), off, decls
				capTag = tok.Name.Local
				if tok.Name.Space != "" {
					capTag = tok.Name.Space + ":" + tok.Name.Local
				}
			}
		case xml.EndElement:
			if capDepth == len(path) {
				raw := data[capStart:d.InputOffset()]
				inherited := map[string]string{}
				for _, f := range stack[:len(stack)-1] {
					for p, uri := range f.decls {
						if _, own := capDecls[p]; !own {
							inherited[p] = uri
						}
					}
				}
				out = append(out, envWithDecls(raw, capTag, inherited))
				capDepth = -1
			}
			stack = stack[:len(stack)-1]
			path = path[:len(path)-1]
		}
	}
	return out, nil
}

// envWithDecls inserts namespace declarations after the tag name of the start tag
// that raw begins with.
func envWithDecls(raw []byte, tag string, decls map[string]string) []byte {
	prefixes := make([]string, 0, len(decls))
	for p := range decls {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	var b bytes.Buffer
	n := 1 + len(tag) // "<" + tag
	b.Write(raw[:n])
	esc := strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `"`, "&quot;")
	for _, p := range prefixes {
		attr := "xmlns"
		if p != "" {
			attr += ":" + p
		}
		fmt.Fprintf(&b, ` %s="%s"`, attr, esc.Replace(decls[p]))
	}
	b.Write(raw[n:])
	return b.Bytes()
}

func envPayloads(t *testing.T, env []byte) [][]byte {
	t.Helper()
	docs, err := envExtractPayloads(env)
	if err != nil {
		t.Fatalf("extract SMEV elements: %v", err)
	}
	if len(docs) == 0 {
		t.Fatal("no SMEV element found in the envelope")
	}
	return docs
}

func TestEnvelopeSchemasCompile(t *testing.T) {
	tests := []struct {
		name string
		ver  string
	}{
		{name: "soap+smev 1.1", ver: "1.1"},
		{name: "soap+smev 1.3", ver: "1.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := envOurSchemaFiles(t, tt.ver)
			if _, err := xsd.Compile(context.Background(), xsd.File(files[0])); err != nil {
				t.Fatalf("soap envelope alone: %v", err)
			}
			envCompileFiles(t, files)
		})
	}
}

// envValidCases lists every valid test envelope; TestEnvelopeTestdataListed
// makes sure no file in testdata is left out of the tables.
var envValidCases = []struct {
	name string
	ver  string
	file string
}{
	{name: "1.1 SendRequestRequest", ver: "1.1", file: "send-request-request.xml"},
	{name: "1.1 SendRequestResponse", ver: "1.1", file: "send-request-response.xml"},
	{name: "1.1 SendResponseRequest", ver: "1.1", file: "send-response-request.xml"},
	{name: "1.1 SendResponseResponse", ver: "1.1", file: "send-response-response.xml"},
	{name: "1.1 GetRequestRequest", ver: "1.1", file: "get-request-request.xml"},
	{name: "1.1 GetRequestResponse with Request", ver: "1.1", file: "get-request-response.xml"},
	{name: "1.1 GetRequestResponse with Cancel", ver: "1.1", file: "get-request-response-cancel.xml"},
	{name: "1.1 GetRequestResponse empty queue", ver: "1.1", file: "get-request-response-empty.xml"},
	{name: "1.1 GetResponseRequest", ver: "1.1", file: "get-response-request.xml"},
	{name: "1.1 GetResponseResponse", ver: "1.1", file: "get-response-response.xml"},
	{name: "1.1 GetStatusRequest", ver: "1.1", file: "get-status-request.xml"},
	{name: "1.1 GetStatusResponse", ver: "1.1", file: "get-status-response.xml"},
	{name: "1.1 GetIncomingQueueStatisticsRequest", ver: "1.1", file: "get-incoming-queue-statistics-request.xml"},
	{name: "1.1 GetIncomingQueueStatisticsResponse", ver: "1.1", file: "get-incoming-queue-statistics-response.xml"},
	{name: "1.1 AckRequest", ver: "1.1", file: "ack-request.xml"},
	{name: "1.1 AckResponse", ver: "1.1", file: "ack-response.xml"},
	{name: "1.1 Fault InvalidContent", ver: "1.1", file: "fault-invalid-content.xml"},

	{name: "1.3 SendRequestRequest", ver: "1.3", file: "send-request-request.xml"},
	{name: "1.3 SendRequestResponse", ver: "1.3", file: "send-request-response.xml"},
	{name: "1.3 SendResponseRequest", ver: "1.3", file: "send-response-request.xml"},
	{name: "1.3 SendResponseResponse", ver: "1.3", file: "send-response-response.xml"},
	{name: "1.3 GetRequestRequest", ver: "1.3", file: "get-request-request.xml"},
	{name: "1.3 GetRequestResponse with Request", ver: "1.3", file: "get-request-response.xml"},
	{name: "1.3 GetRequestResponse empty queue", ver: "1.3", file: "get-request-response-empty.xml"},
	{name: "1.3 GetResponseRequest", ver: "1.3", file: "get-response-request.xml"},
	{name: "1.3 GetResponseResponse", ver: "1.3", file: "get-response-response.xml"},
	{name: "1.3 GetStatusRequest", ver: "1.3", file: "get-status-request.xml"},
	{name: "1.3 GetStatusResponse", ver: "1.3", file: "get-status-response.xml"},
	{name: "1.3 AckRequest", ver: "1.3", file: "ack-request.xml"},
	{name: "1.3 AckResponse", ver: "1.3", file: "ack-response.xml"},
	{name: "1.3 Fault InvalidContent", ver: "1.3", file: "fault-invalid-content.xml"},
}

// envInvalidCases lists every invalid test envelope. want is a fragment of
// the path of our first error, so that a file rejected for another reason
// than the one it was written for is noticed. soapOnly marks envelopes that
// break only the SOAP envelope, which the public schemas do not describe.
var envInvalidCases = []struct {
	name     string
	ver      string
	file     string
	want     string
	soapOnly bool
}{
	{name: "1.1 missing MessageID", ver: "1.1", file: "invalid-missing-message-id.xml", want: "/SenderProvidedRequestData"},
	{name: "1.1 bad UUID", ver: "1.1", file: "invalid-bad-uuid.xml", want: "/MessageID"},
	{name: "1.1 two elements in MessagePrimaryContent", ver: "1.1", file: "invalid-two-primary-content-elements.xml", want: "/MessagePrimaryContent"},
	{name: "1.1 empty MessagePrimaryContent", ver: "1.1", file: "invalid-empty-primary-content.xml", want: "/MessagePrimaryContent"},
	{name: "1.1 SMEV namespace in MessagePrimaryContent", ver: "1.1", file: "invalid-primary-content-smev-namespace.xml", want: "/MessagePrimaryContent"},
	{name: "1.1 unknown element in SenderProvidedRequestData", ver: "1.1", file: "invalid-unknown-element-in-sender-provided-request-data.xml", want: "/SenderProvidedRequestData"},
	{name: "1.1 elements out of order", ver: "1.1", file: "invalid-elements-out-of-order.xml", want: "/SenderProvidedRequestData"},
	{name: "1.1 EOL not a dateTime", ver: "1.1", file: "invalid-eol-not-datetime.xml", want: "/EOL"},
	{name: "1.1 empty signature", ver: "1.1", file: "invalid-empty-signature.xml", want: "/CallerInformationSystemSignature"},
	{name: "1.1 signature not XMLDSig", ver: "1.1", file: "invalid-signature-not-xmldsig.xml", want: "/CallerInformationSystemSignature"},
	{name: "1.1 MIME type", ver: "1.1", file: "invalid-mime-type.xml", want: "/MimeType"},
	{name: "1.1 AckTargetMessage without accepted", ver: "1.1", file: "invalid-ack-without-accepted.xml", want: "/AckTargetMessage"},
	{name: "1.1 GetStatusRequest without signature", ver: "1.1", file: "invalid-get-status-without-signature.xml", want: "/GetStatusRequest"},
	{name: "1.1 response content and rejection", ver: "1.1", file: "invalid-response-content-and-rejection.xml", want: "/SenderProvidedResponseData"},
	{name: "1.1 reject code", ver: "1.1", file: "invalid-reject-code.xml", want: "/RejectionReasonCode"},
	{name: "1.1 message type", ver: "1.1", file: "invalid-message-type.xml", want: "/MessageType"},
	{name: "1.1 fault without errorPosition", ver: "1.1", file: "invalid-fault-without-error-position.xml", want: "/ValidationError"},
	{name: "1.1 SOAP missing Body", ver: "1.1", file: "invalid-soap-missing-body.xml", want: "/Envelope", soapOnly: true},
	{name: "1.1 SOAP Header after Body", ver: "1.1", file: "invalid-soap-header-after-body.xml", want: "/Envelope", soapOnly: true},
	{name: "1.1 SOAP Fault without faultstring", ver: "1.1", file: "invalid-soap-fault-without-faultstring.xml", want: "/Fault", soapOnly: true},
	{name: "1.1 SOAP Fault with qualified children", ver: "1.1", file: "invalid-soap-fault-qualified-children.xml", want: "/Fault", soapOnly: true},

	{name: "1.3 missing MessageID", ver: "1.3", file: "invalid-missing-message-id.xml", want: "/SenderProvidedRequestData"},
	{name: "1.3 bad UUID", ver: "1.3", file: "invalid-bad-uuid.xml", want: "/MessageID"},
	{name: "1.3 two elements in MessagePrimaryContent", ver: "1.3", file: "invalid-two-primary-content-elements.xml", want: "/MessagePrimaryContent"},
	{name: "1.3 empty MessagePrimaryContent", ver: "1.3", file: "invalid-empty-primary-content.xml", want: "/MessagePrimaryContent"},
	{name: "1.3 SMEV namespace in MessagePrimaryContent", ver: "1.3", file: "invalid-primary-content-smev-namespace.xml", want: "/MessagePrimaryContent"},
	{name: "1.3 unknown element in SenderProvidedRequestData", ver: "1.3", file: "invalid-unknown-element-in-sender-provided-request-data.xml", want: "/SenderProvidedRequestData"},
	{name: "1.3 elements out of order", ver: "1.3", file: "invalid-elements-out-of-order.xml", want: "/SenderProvidedRequestData"},
	{name: "1.3 EOL not a dateTime", ver: "1.3", file: "invalid-eol-not-datetime.xml", want: "/EOL"},
	{name: "1.3 empty signature", ver: "1.3", file: "invalid-empty-signature.xml", want: "/CallerInformationSystemSignature"},
	{name: "1.3 signature not XMLDSig", ver: "1.3", file: "invalid-signature-not-xmldsig.xml", want: "/CallerInformationSystemSignature"},
	{name: "1.3 MIME type", ver: "1.3", file: "invalid-mime-type.xml", want: "/MimeType"},
	{name: "1.3 AckTargetMessage without Id", ver: "1.3", file: "invalid-ack-without-id.xml", want: "/AckTargetMessage"},
	{name: "1.3 GetStatusRequest without signature", ver: "1.3", file: "invalid-get-status-without-signature.xml", want: "/GetStatusRequest"},
	{name: "1.3 response content and rejection", ver: "1.3", file: "invalid-response-content-and-rejection.xml", want: "/SenderProvidedResponseData"},
	{name: "1.3 reject code", ver: "1.3", file: "invalid-reject-code.xml", want: "/RejectionReasonCode"},
	{name: "1.3 message type CANCEL", ver: "1.3", file: "invalid-message-type.xml", want: "/MessageType"},
	{name: "1.3 Cancel in RequestMessage", ver: "1.3", file: "invalid-request-message-cancel.xml", want: "/RequestMessage"},
	{name: "1.3 Routing without RoutingSignature", ver: "1.3", file: "invalid-routing-without-signature.xml", want: "/Routing"},
	{name: "1.3 fault without errorPosition", ver: "1.3", file: "invalid-fault-without-error-position.xml", want: "/ValidationError"},
	{name: "1.3 SOAP missing Body", ver: "1.3", file: "invalid-soap-missing-body.xml", want: "/Envelope", soapOnly: true},
	{name: "1.3 SOAP Header after Body", ver: "1.3", file: "invalid-soap-header-after-body.xml", want: "/Envelope", soapOnly: true},
}

func TestEnvelopeTestdataListed(t *testing.T) {
	listed := map[string]bool{}
	for _, tt := range envValidCases {
		listed[filepath.Join(tt.ver, tt.file)] = true
	}
	for _, tt := range envInvalidCases {
		listed[filepath.Join(tt.ver, tt.file)] = true
	}
	for _, tt := range envValidCases {
		if strings.HasPrefix(tt.file, "invalid-") {
			t.Errorf("%s/%s is listed as valid", tt.ver, tt.file)
		}
	}
	for _, tt := range envInvalidCases {
		if !strings.HasPrefix(tt.file, "invalid-") {
			t.Errorf("%s/%s is listed as invalid", tt.ver, tt.file)
		}
	}
	files, err := filepath.Glob(filepath.Join(envTestdataDir, "*", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel, err := filepath.Rel(envTestdataDir, f)
		if err != nil {
			t.Fatal(err)
		}
		if !listed[rel] {
			t.Errorf("%s is in testdata but in neither table", rel)
		}
	}
}

func TestEnvelopeValid(t *testing.T) {
	for _, tt := range envValidCases {
		t.Run(tt.name, func(t *testing.T) {
			env := envReadFile(t, filepath.Join(envTestdataDir, tt.ver, tt.file))
			if err := envValidate(envOurEngine(t, tt.ver), env); err != nil {
				t.Fatalf("our schemas reject the envelope: %v", err)
			}
			t.Run("public", func(t *testing.T) {
				pub := envPublicEngine(t, tt.ver)
				for i, doc := range envPayloads(t, env) {
					if err := envValidate(pub, doc); err != nil {
						t.Errorf("public schemas reject SMEV element %d: %v\n%s", i, err, doc)
					}
				}
			})
		})
	}
}

func TestEnvelopeInvalid(t *testing.T) {
	for _, tt := range envInvalidCases {
		t.Run(tt.name, func(t *testing.T) {
			env := envReadFile(t, filepath.Join(envTestdataDir, tt.ver, tt.file))
			err := envValidate(envOurEngine(t, tt.ver), env)
			if err == nil {
				t.Fatal("our schemas accept the envelope")
			}
			xerr, ok := errors.AsType[*xsderrors.Error](err)
			if !ok {
				t.Fatalf("error is not an *xsderrors.Error: %v", err)
			}
			t.Logf("our error: %v", err)
			if xerr.Category != xsderrors.CategoryValidation {
				t.Errorf("category = %s, want %s: %v", xerr.Category, xsderrors.CategoryValidation, err)
			}
			if xerr.Line <= 0 {
				t.Errorf("error has no line: %v", err)
			}
			if !strings.Contains(xerr.Path, tt.want) {
				t.Errorf("error path %q does not contain %q: %v", xerr.Path, tt.want, err)
			}
			if tt.soapOnly {
				return
			}
			t.Run("public", func(t *testing.T) {
				pub := envPublicEngine(t, tt.ver)
				rejected := false
				for _, doc := range envPayloads(t, env) {
					if err := envValidate(pub, doc); err != nil {
						t.Logf("public error: %v", err)
						rejected = true
					}
				}
				if !rejected {
					t.Error("public schemas accept the SMEV element")
				}
			})
		})
	}
}

// envSMEVNamespace11 matches the quoted 1.1 namespace URIs, the only place where
// "/1.1" may appear in our 1.1 schemas.
var envSMEVNamespace11 = regexp.MustCompile(`"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/(?:[a-z]+/)?1\.1"`)

// envSubstitute12 derives 1.2 schemas the way the hub does, by replacing "/1.1"
// with "/1.2" in the text of the 1.1 files, and writes them to dir. Any other
// replacement (the versioned file names of the public schemas) is applied
// too.
func envSubstitute12(t *testing.T, files []string, dir string, more ...string) []string {
	t.Helper()
	r := strings.NewReplacer(append([]string{"/1.1", "/1.2"}, more...)...)
	out := make([]string, 0, len(files))
	for _, f := range files {
		data := r.Replace(string(envReadFile(t, f)))
		name := filepath.Join(dir, strings.ReplaceAll(filepath.Base(f), "-1.1.", "-1.2."))
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	return out
}

func TestEnvelope12FromSubstitution(t *testing.T) {
	// "/1.1" may appear only in namespace URIs, so that the substitution
	// changes nothing else.
	smev11, err := filepath.Glob(filepath.Join(envSchemaDir, "smev", "1.1", "*.xsd"))
	if err != nil || len(smev11) == 0 {
		t.Fatalf("no 1.1 schemas: %v", err)
	}
	for _, f := range smev11 {
		for i, line := range strings.Split(string(envReadFile(t, f)), "\n") {
			if strings.Contains(envSMEVNamespace11.ReplaceAllString(line, ""), "/1.1") {
				t.Errorf("%s:%d: /1.1 outside a namespace URI: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}

	dir := t.TempDir()
	ours := envCompileFiles(t, append([]string{filepath.Join(envSchemaDir, "soap", "envelope.xsd")},
		envSubstitute12(t, smev11, dir)...))

	envRequirePublic(t)
	pubFiles, err := filepath.Glob(filepath.Join(envPublicDir, "1.1", "*.xsd"))
	if err != nil || len(pubFiles) == 0 {
		t.Fatalf("no public 1.1 schemas: %v", err)
	}
	// The public files import each other by versioned file name.
	pub := envCompileFiles(t, envSubstitute12(t, pubFiles, t.TempDir(), "-1.1.xsd", "-1.2.xsd"))

	sample := envReadFile(t, envPublicSample)
	// The published sample carries an empty CallerInformationSystemSignature
	// (a placeholder for the signature to come). XMLDSigSignatureType
	// requires one XMLDSig element, so the public schemas reject the sample
	// as published; ours must do the same. With the placeholder filled in,
	// or dropped (the element is optional), both must accept it.
	const placeholder = "<CallerInformationSystemSignature/>"
	if !bytes.Contains(sample, []byte(placeholder)) {
		t.Fatalf("sample no longer contains %s; revisit this test", placeholder)
	}
	signed := bytes.Replace(sample, []byte(placeholder), []byte(`<CallerInformationSystemSignature>`+
		`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>`+
		`</CallerInformationSystemSignature>`), 1)
	unsigned := bytes.Replace(sample, []byte(placeholder), nil, 1)

	tests := []struct {
		name   string
		doc    []byte
		accept bool
	}{
		{name: "sample as published", doc: sample, accept: false},
		{name: "sample with signature", doc: signed, accept: true},
		{name: "sample without placeholder", doc: unsigned, accept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := envValidate(ours, tt.doc)
			if tt.accept && err != nil {
				t.Errorf("our 1.2 schemas reject: %v", err)
			}
			if !tt.accept {
				xerr, ok := errors.AsType[*xsderrors.Error](err)
				if !ok || xerr.Line <= 0 || !strings.HasSuffix(xerr.Path, "/CallerInformationSystemSignature") {
					t.Errorf("our 1.2 schemas: got %v, want a rejection of CallerInformationSystemSignature", err)
				}
			}
			for _, doc := range envPayloads(t, tt.doc) {
				if err := envValidate(pub, doc); (err == nil) != tt.accept {
					t.Errorf("public 1.2 schemas: got %v, want accept=%v", err, tt.accept)
				}
			}
		})
	}
}

// TestEnvelopeLaxContent shows the two intended differences from the public
// 1.1 schemas: MessagePrimaryContent and XMLDSigSignatureType content is
// validated against a declaration compiled into the same engine (the public
// 1.1 schemas skip it), and stays unchecked when there is none.
func TestEnvelopeLaxContent(t *testing.T) {
	payloadXSD := xsd.Bytes("payload.xsd", []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  targetNamespace="urn://example/x/1.0" elementFormDefault="qualified">
  <xs:element name="Query">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="INN"><xs:simpleType><xs:restriction base="xs:string">
          <xs:pattern value="\d{10}|\d{12}"/></xs:restriction></xs:simpleType></xs:element>
        <xs:element name="Note" type="xs:string" minOccurs="0"/>
      </xs:sequence>
      <xs:attribute name="kind" type="xs:string"/>
    </xs:complexType>
  </xs:element>
</xs:schema>`))
	// A stand-in for the XMLDSig schema, only to show that signature content
	// is now validated when a declaration is known.
	dsigXSD := xsd.Bytes("dsig.xsd", []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  targetNamespace="http://www.w3.org/2000/09/xmldsig#" elementFormDefault="qualified">
  <xs:element name="Signature">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="##targetNamespace" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="Id" type="xs:ID"/>
    </xs:complexType>
  </xs:element>
</xs:schema>`))

	files := envOurSchemaFiles(t, "1.1")
	plain := envOurEngine(t, "1.1")
	withPayload := envCompileFiles(t, files, payloadXSD)
	withDsig := envCompileFiles(t, files, dsigXSD)

	good := envReadFile(t, filepath.Join(envTestdataDir, "1.1", "send-request-request.xml"))
	badINN := bytes.Replace(good, []byte("<x:INN>7707083893</x:INN>"), []byte("<x:INN>77070838</x:INN>"), 1)
	badSig := bytes.Replace(good, []byte("<ds:Signature>"), []byte(`<ds:Signature Id="">`), 1)
	if bytes.Equal(good, badINN) || bytes.Equal(good, badSig) {
		t.Fatal("send-request-request.xml changed; revisit this test")
	}

	tests := []struct {
		name       string
		engine     *xsd.Engine
		doc        []byte
		wantErr    string // fragment of our error path, "" to accept
		publicSkip bool   // the public schemas skip this content and accept
	}{
		{name: "payload valid against its schema", engine: withPayload, doc: good},
		{name: "payload invalid against its schema", engine: withPayload, doc: badINN, wantErr: "/MessagePrimaryContent/Query/INN", publicSkip: true},
		{name: "payload without a schema is not checked", engine: plain, doc: badINN, publicSkip: true},
		{name: "signature valid against its schema", engine: withDsig, doc: good},
		{name: "signature invalid against its schema", engine: withDsig, doc: badSig, wantErr: "/CallerInformationSystemSignature/Signature", publicSkip: true},
		{name: "signature without a schema is not checked", engine: plain, doc: badSig, publicSkip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := envValidate(tt.engine, tt.doc)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tt.wantErr != "":
				xerr, ok := errors.AsType[*xsderrors.Error](err)
				if !ok || xerr.Line <= 0 || !strings.Contains(xerr.Path, tt.wantErr) {
					t.Errorf("got %v, want an error at %s", err, tt.wantErr)
				}
			}
			if !tt.publicSkip {
				return
			}
			t.Run("public", func(t *testing.T) {
				pub := envPublicEngine(t, "1.1")
				for _, doc := range envPayloads(t, tt.doc) {
					if err := envValidate(pub, doc); err != nil {
						t.Errorf("public schemas reject: %v", err)
					}
				}
			})
		})
	}
}

// TestExtractPayloads checks the helper that cuts SMEV elements out of an
// envelope, since the comparison with the public schemas depends on it.
func TestExtractPayloads(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want []string
	}{
		{
			name: "inherits declarations from envelope",
			env: `<s:Envelope xmlns:s="` + envSoapNS + `" xmlns="urn:d" xmlns:a="urn:a"><s:Body>` +
				`<a:X a:k="v"><Y/></a:X></s:Body></s:Envelope>`,
			want: []string{`<a:X xmlns="urn:d" xmlns:a="urn:a" xmlns:s="` + envSoapNS + `" a:k="v"><Y/></a:X>`},
		},
		{
			name: "own declarations win",
			env: `<s:Envelope xmlns:s="` + envSoapNS + `" xmlns:a="urn:outer"><s:Body>` +
				`<a:X xmlns:a="urn:a"/></s:Body></s:Envelope>`,
			want: []string{`<a:X xmlns:s="` + envSoapNS + `" xmlns:a="urn:a"/>`},
		},
		{
			name: "fault detail children",
			env: `<s:Envelope xmlns:s="` + envSoapNS + `"><s:Body><s:Fault><faultcode>s:Client</faultcode>` +
				`<faultstring>x</faultstring><detail><f:A xmlns:f="urn:f"/><f:B xmlns:f="urn:f"/></detail></s:Fault></s:Body></s:Envelope>`,
			want: []string{`<f:A xmlns:s="` + envSoapNS + `" xmlns:f="urn:f"/>`, `<f:B xmlns:s="` + envSoapNS + `" xmlns:f="urn:f"/>`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := envExtractPayloads([]byte(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d elements %q, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if string(got[i]) != tt.want[i] {
					t.Errorf("element %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestEnvelopeSchemasMatchPublicModel compares each of our SMEV schema files
// with its public counterpart component by component, after removing what
// does not change which documents are valid: annotations, attributes of
// other namespaces (jxb, xmime), prefixes (QName values are resolved),
// default occurrence and use values, schemaLocation, and sequence or choice
// wrappers around a single particle. The only differences allowed are the
// two intended ones, in processContents.
func TestEnvelopeSchemasMatchPublicModel(t *testing.T) {
	envRequirePublic(t)
	// laxOnly lists the components that may differ from the public ones only
	// by processContents="lax" where the public schema says "skip".
	laxOnly := map[string]bool{
		"1.1/basic.xsd element MessagePrimaryContent":    true,
		"1.1/basic.xsd complexType XMLDSigSignatureType": true,
	}
	tests := []struct {
		name string
		ver  string
		file string
	}{
		{name: "1.1 types", ver: "1.1", file: "types"},
		{name: "1.1 basic", ver: "1.1", file: "basic"},
		{name: "1.1 faults", ver: "1.1", file: "faults"},
		{name: "1.3 types", ver: "1.3", file: "types"},
		{name: "1.3 basic", ver: "1.3", file: "basic"},
		{name: "1.3 faults", ver: "1.3", file: "faults"},
		{name: "1.3 routing", ver: "1.3", file: "routing"},
		{name: "1.3 directive", ver: "1.3", file: "directive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oursFile := filepath.Join(envSchemaDir, "smev", tt.ver, tt.file+".xsd")
			pubFile := filepath.Join(envPublicDir, tt.ver, "smev-message-exchange-"+tt.file+"-"+tt.ver+".xsd")
			ours, ourRoot := envSchemaModel(t, oursFile)
			pub, pubRoot := envSchemaModel(t, pubFile)
			if ourRoot != pubRoot {
				t.Errorf("schema attributes:\n ours   %s\n public %s", ourRoot, pubRoot)
			}
			for key, p := range pub {
				o, ok := ours[key]
				switch {
				case !ok:
					t.Errorf("%s is missing", key)
				case laxOnly[tt.ver+"/"+tt.file+".xsd "+key]:
					if o == p || strings.ReplaceAll(o, `processContents="lax"`, `processContents="skip"`) != p {
						t.Errorf("%s should differ only by lax processing:\n ours   %s\n public %s", key, o, p)
					}
				case o != p:
					t.Errorf("%s differs:\n ours   %s\n public %s", key, o, p)
				}
			}
			for key := range ours {
				if _, ok := pub[key]; !ok {
					t.Errorf("%s is not in the public schema", key)
				}
			}
		})
	}
}

type envXSNode struct {
	name  string
	attrs []xml.Attr
	kids  []*envXSNode
}

const envXSNS = "http://www.w3.org/2001/XMLSchema"

// envSchemaModel returns the normalized top-level components of a schema file,
// keyed by "kind name", and the normalized attributes of xs:schema.
func envSchemaModel(t *testing.T, path string) (map[string]string, string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(envReadFile(t, path)))
	var (
		scopes []map[string]string
		stack  []*envXSNode
		root   *envXSNode
		skip   int // depth inside an ignored subtree
	)
	resolve := func(qname string) string {
		prefix, local, ok := strings.Cut(qname, ":")
		if !ok {
			prefix, local = "", qname
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if uri, ok := scopes[i][prefix]; ok {
				return "{" + uri + "}" + local
			}
		}
		return "{}" + local
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if skip > 0 || tok.Name.Space != envXSNS || tok.Name.Local == "annotation" {
				skip++
				continue
			}
			scope := map[string]string{}
			var attrs []xml.Attr
			for _, a := range tok.Attr {
				switch {
				case a.Name.Space == "xmlns":
					scope[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					scope[""] = a.Value
				case a.Name.Space != "":
					// jxb:version, xmime:expectedContentTypes, ...
				default:
					attrs = append(attrs, a)
				}
			}
			scopes = append(scopes, scope)
			n := &envXSNode{name: tok.Name.Local}
			for _, a := range attrs {
				switch k, v := a.Name.Local, a.Value; {
				case (k == "minOccurs" || k == "maxOccurs") && v == "1",
					k == "use" && v == "optional",
					k == "schemaLocation",
					n.name == "schema" && k == "version":
				case k == "type" || k == "ref" || k == "base" || k == "itemType":
					n.attrs = append(n.attrs, xml.Attr{Name: a.Name, Value: resolve(v)})
				default:
					n.attrs = append(n.attrs, a)
				}
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			stack = stack[:len(stack)-1]
			scopes = scopes[:len(scopes)-1]
		}
	}
	if root == nil || root.name != "schema" {
		t.Fatalf("%s: not a schema", path)
	}
	model := map[string]string{}
	for _, k := range root.kids {
		envCollapse(k)
		key := k.name + " " + envAttrValue(k, "name")
		if k.name == "import" {
			key = k.name + " " + envAttrValue(k, "namespace")
		}
		if _, dup := model[key]; dup {
			t.Errorf("%s: duplicate %s", path, key)
		}
		model[key] = envCanonical(k)
	}
	return model, envCanonical(&envXSNode{name: root.name, attrs: root.attrs})
}

func envAttrValue(n *envXSNode, name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// envCollapse rewrites content models into an equivalent normal form: a
// sequence or choice that has no attributes and a single particle, inside a
// sequence or choice, becomes that particle, and a sequence without
// attributes inside a sequence is spliced into it.
func envCollapse(n *envXSNode) {
	group := func(k *envXSNode) bool { return k.name == "sequence" || k.name == "choice" }
	var kids []*envXSNode
	for _, k := range n.kids {
		envCollapse(k)
		for group(n) && group(k) && len(k.attrs) == 0 && len(k.kids) == 1 {
			k = k.kids[0]
		}
		if n.name == "sequence" && k.name == "sequence" && len(k.attrs) == 0 {
			kids = append(kids, k.kids...)
			continue
		}
		kids = append(kids, k)
	}
	n.kids = kids
}

func envCanonical(n *envXSNode) string {
	attrs := slices.Clone(n.attrs)
	slices.SortFunc(attrs, func(a, b xml.Attr) int { return strings.Compare(a.Name.Local, b.Name.Local) })
	var b strings.Builder
	b.WriteString("<" + n.name)
	for _, a := range attrs {
		fmt.Fprintf(&b, " %s=%q", a.Name.Local, a.Value)
	}
	b.WriteString(">")
	for _, k := range n.kids {
		b.WriteString(envCanonical(k))
	}
	b.WriteString("</" + n.name + ">")
	return b.String()
}
