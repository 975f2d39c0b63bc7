package schemas

import (
	"bytes"
	"context"
	"embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	xsd "github.com/jacoelho/xsd"
	"github.com/jacoelho/xsd/xsderrors"
)

//go:embed xsd payloads/*.xml
var files embed.FS

// Files returns the embedded schema files and sample payloads (xsd/... and
// payloads/...).
func Files() fs.FS { return files }

// Validator validates one whole document. Implementations are safe for
// concurrent use. A nil error means the document is valid; otherwise the
// error is a *ValidationError, or a context error when ctx ended first.
type Validator interface {
	Validate(ctx context.Context, doc []byte) error
}

// Issue is one validation error.
type Issue struct {
	Line, Column int    // 1-based, 0 when unknown
	Path         string // element path, e.g. /Envelope/Body/SendRequestRequest
	Reason       string
}

// ValidationError lists the issues of an invalid document, in document order.
type ValidationError struct {
	Issues []Issue
}

func (e *ValidationError) Error() string {
	if len(e.Issues) == 0 {
		return "schemas: invalid document"
	}
	i := e.Issues[0]
	s := fmt.Sprintf("schemas: line %d, column %d, %s: %s", i.Line, i.Column, i.Path, i.Reason)
	if len(e.Issues) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(e.Issues)-1)
	}
	return s
}

// ErrSchema is returned by Compile when a schema does not compile.
var ErrSchema = errors.New("schemas: schema does not compile")

// Source is one schema to compile: a built-in schema of this package, or a
// file.
type Source struct {
	builtin string // path under xsd/, e.g. enforcement/writ.xsd
	file    string
}

// Builtin names an embedded schema by its path under xsd/, e.g.
// "enforcement/writ.xsd".
func Builtin(name string) Source { return Source{builtin: name} }

// File names a schema file; its includes and imports resolve relative to it.
func File(path string) Source { return Source{file: path} }

// String returns the source's name.
func (s Source) String() string {
	if s.file != "" {
		return s.file
	}
	return "builtin:" + s.builtin
}

// EnforcementTypes maps the type name of each shipped enforcement schema to
// its built-in path.
func EnforcementTypes() map[string]string {
	m := map[string]string{}
	entries, _ := fs.ReadDir(files, "xsd/enforcement")
	for _, e := range entries {
		n := strings.TrimSuffix(e.Name(), ".xsd")
		if n != "common" {
			m[n] = "enforcement/" + e.Name()
		}
	}
	return m
}

// EnforcementNamespace is the namespace of a shipped enforcement type.
func EnforcementNamespace(typ string) string { return "urn://mezhved/enforcement/" + typ + "/1.0" }

// EnforcementNamespacePrefix starts every shipped enforcement namespace.
const EnforcementNamespacePrefix = "urn://mezhved/enforcement/"

// Set is a compiled set of schemas: the SOAP envelope, the SMEV 3 envelope
// schemas of versions 1.1, 1.2 and 1.3, and the payload schemas given to
// Compile. One streaming pass validates an envelope and its payload, because
// the envelope schemas read MessagePrimaryContent laxly: a payload whose
// namespace has a schema in the set is validated against it.
type Set struct {
	engine   *xsd.Engine
	sessions sync.Pool
	maxBytes int64
}

var _ Validator = (*Set)(nil)

// Compile compiles the envelope schemas with the given payload schemas.
// maxBytes bounds the documents Validate reads (0 means 64 MiB).
func Compile(ctx context.Context, payloads []Source, maxBytes int64) (*Set, error) {
	srcs, err := envelopeSources()
	if err != nil {
		return nil, err
	}
	for _, p := range payloads {
		switch {
		case p.file != "":
			srcs = append(srcs, xsd.File(p.file))
		default:
			s, err := builtinSource(p.builtin)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, s)
		}
	}
	engine, err := xsd.Compile(ctx, srcs...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	if maxBytes <= 0 {
		maxBytes = 64 << 20
	}
	s := &Set{engine: engine, maxBytes: maxBytes}
	return s, nil
}

// CompileOne compiles a single payload schema on its own, to check it.
func CompileOne(ctx context.Context, src Source) error {
	var s xsd.SchemaSource
	if src.file != "" {
		s = xsd.File(src.file)
	} else {
		var err error
		if s, err = builtinSource(src.builtin); err != nil {
			return err
		}
	}
	if _, err := xsd.Compile(ctx, s); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrSchema, src, err)
	}
	return nil
}

// embeddedResolver resolves relative schemaLocations among embedded files,
// including the 1.2 variants derived from 1.1.
var embeddedResolver = xsd.ResolverFunc(func(_ context.Context, base, location string) (xsd.SchemaSource, error) {
	name := path.Join(path.Dir(base), location)
	data, err := embeddedSchema(name)
	if err != nil {
		return xsd.SchemaSource{}, xsderrors.ErrSchemaNotFound
	}
	return xsd.Bytes(name, data), nil
})

// embeddedSchema reads xsd/<name>. The SMEV 1.2 schemas are the 1.1 schemas
// with "/1.1" replaced by "/1.2" in their namespace names: the two versions
// share one shape.
func embeddedSchema(name string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(name, "smev/1.2/"); ok {
		data, err := files.ReadFile("xsd/smev/1.1/" + rest)
		if err != nil {
			return nil, err
		}
		return bytes.ReplaceAll(data, []byte("/1.1"), []byte("/1.2")), nil
	}
	return files.ReadFile("xsd/" + name)
}

func builtinSource(name string) (xsd.SchemaSource, error) {
	data, err := embeddedSchema(name)
	if err != nil {
		return xsd.SchemaSource{}, fmt.Errorf("%w: no built-in schema %q", ErrSchema, name)
	}
	return xsd.Bytes(name, data).WithResolver(embeddedResolver), nil
}

// envelopeSources are the SOAP and SMEV envelope schemas of every version.
func envelopeSources() ([]xsd.SchemaSource, error) {
	names := []string{"soap/envelope.xsd"}
	for _, v := range []string{"1.1", "1.2", "1.3"} {
		names = append(names, "smev/"+v+"/types.xsd", "smev/"+v+"/faults.xsd")
	}
	var out []xsd.SchemaSource
	for _, n := range names {
		s, err := builtinSource(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Declares reports whether the set declares the global element {ns}local.
// The envelope schemas read MessagePrimaryContent laxly, so a payload whose
// root the set does not declare is not validated at all: a registry must not
// name such a root. It validates the empty element on its own and tells the
// validator's "root element is not declared" from any other complaint (an
// empty element usually lacks required content).
func (s *Set) Declares(ctx context.Context, ns, local string) (bool, error) {
	var b bytes.Buffer
	b.WriteString("<r:" + local + ` xmlns:r="`)
	if err := xml.EscapeText(&b, []byte(ns)); err != nil {
		return false, err
	}
	b.WriteString(`"/>`)
	err := s.engine.Validate(ctx, bytes.NewReader(b.Bytes()))
	if err == nil {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	list := []error{err}
	var all xsderrors.Errors
	if errors.As(err, &all) {
		list = all
	}
	for _, e := range list {
		var xe *xsderrors.Error
		if errors.As(e, &xe) && xe.Code == xsderrors.CodeValidationRoot {
			return false, nil
		}
	}
	return true, nil
}

// Validate validates doc (UTF-8) in one streaming pass.
func (s *Set) Validate(ctx context.Context, doc []byte) error {
	sess, _ := s.sessions.Get().(*xsd.Session)
	if sess == nil {
		var err error
		// One text node may be as large as the document allows (an
		// attachment's content): the validator's own defaults stop at 4 MiB.
		sess, err = s.engine.NewSession(xsd.ValidateOptions{MaxErrors: 20, MaxInstanceBytes: s.maxBytes,
			MaxInstanceTokenBytes: s.maxBytes, MaxInstanceTextBytes: s.maxBytes})
		if err != nil {
			return err
		}
	}
	err := sess.Validate(ctx, bytes.NewReader(doc))
	s.sessions.Put(sess)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	ve := toValidationError(err)
	if v, ok := ve.(*ValidationError); ok {
		for i := range v.Issues {
			v.Issues[i].Column = runeColumn(doc, v.Issues[i].Line, v.Issues[i].Column)
		}
	}
	return ve
}

// runeColumn turns the validator's column, a count of bytes in the line,
// into a count of characters, as the parser's positions are.
func runeColumn(doc []byte, line, col int) int {
	if line < 1 || col < 1 {
		return col
	}
	start := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(doc[start:], '\n')
		if i < 0 {
			return col
		}
		start += i + 1
	}
	lineEnd := len(doc)
	if i := bytes.IndexByte(doc[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	return utf8.RuneCount(doc[start:min(start+col-1, lineEnd)]) + 1
}

func toValidationError(err error) error {
	var issues []Issue
	add := func(e error) {
		var xe *xsderrors.Error
		if errors.As(e, &xe) {
			reason := xe.Message
			if reason == "" {
				reason = string(xe.Code)
			}
			if xe.Err != nil {
				reason += ": " + xe.Err.Error()
			}
			issues = append(issues, Issue{Line: xe.Line, Column: xe.Column, Path: xe.Path, Reason: reason})
			return
		}
		issues = append(issues, Issue{Reason: e.Error()})
	}
	var list xsderrors.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			if e != nil {
				add(e)
			}
		}
	} else {
		add(err)
	}
	sort.SliceStable(issues, func(i, j int) bool {
		if issues[i].Line != issues[j].Line {
			return issues[i].Line < issues[j].Line
		}
		return issues[i].Column < issues[j].Column
	})
	return &ValidationError{Issues: issues}
}

// EnvelopeSchema returns one of the hub's SMEV envelope schema files of a
// version (types.xsd, basic.xsd, faults.xsd, and for 1.3 routing.xsd and
// directive.xsd), as the hub's WSDL imports them.
func EnvelopeSchema(version, file string) ([]byte, error) {
	if strings.ContainsAny(file, "/\\") || !strings.HasSuffix(file, ".xsd") {
		return nil, fs.ErrNotExist
	}
	switch version {
	case "1.1", "1.2", "1.3":
	default:
		return nil, fs.ErrNotExist
	}
	return embeddedSchema("smev/" + version + "/" + file)
}
