package dsig

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// AppendExcC14N appends to dst the Exclusive XML Canonicalization 1.0 (without
// comments) of the subtree rooted at el, as a same-document reference to el
// selects it. inclusive is the InclusiveNamespaces PrefixList ("#default" for
// the default namespace); prefixes used in el are resolved against its
// ancestors.
//
// It writes the canonical form in one pass over the tree, without copying or
// changing it. (goxmldsig's canonicalizer copies the tree, stops at 1,000
// elements, too few for large payloads, and orders qualified attributes by
// local name before namespace name, which the recommendation orders the other
// way round; its output differs from libxml2's there.)
func AppendExcC14N(dst []byte, el *etree.Element, inclusive []string) ([]byte, error) {
	c := c14nWriter{buf: dst, inclusive: inclusive}
	c.in.loadAncestors(el)
	if err := c.element(el, 1); err != nil {
		return dst, err
	}
	return c.buf, nil
}

type c14nWriter struct {
	buf       []byte
	in        nsStack
	inclusive []string
	// rendered namespace declarations of the output ancestors, innermost
	// last; marks delimit each element's.
	rendered []binding
	marks    []int
	decls    []binding
	attrs    []c14nAttr
}

type c14nAttr struct {
	uri, qname, local, value string
}

// renderedURI returns the namespace name the output has bound to prefix, ""
// (and false) when none.
func (c *c14nWriter) renderedURI(prefix string) (string, bool) {
	for i := len(c.rendered) - 1; i >= 0; i-- {
		if c.rendered[i].prefix == prefix {
			return c.rendered[i].uri, true
		}
	}
	return "", false
}

func (c *c14nWriter) needs(prefix string, decls []binding) error {
	for _, d := range decls {
		if d.prefix == prefix {
			return nil
		}
	}
	uri, ok := c.in.resolve(prefix)
	if !ok {
		return fmt.Errorf("%w: prefix %q is not declared", ErrTransform, prefix)
	}
	have, _ := c.renderedURI(prefix)
	if have == uri {
		// Already in force in the output (for the default namespace, "" means
		// none was ever declared, which is also in force).
		return nil
	}
	c.decls = append(c.decls, binding{prefix: prefix, uri: uri})
	return nil
}

func (c *c14nWriter) element(el *etree.Element, depth int) error {
	if depth > maxTransformDepth {
		return fmt.Errorf("%w: elements nested deeper than %d", ErrTransform, maxTransformDepth)
	}
	c.in.push(el)
	c.decls = c.decls[:0]
	if err := c.needs(el.Space, c.decls); err != nil {
		return err
	}
	attrs := c.attrs[:0]
	for _, a := range el.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		ca := c14nAttr{qname: a.Key, local: a.Key, value: a.Value}
		if a.Space != "" {
			ca.qname = a.Space + ":" + a.Key
			uri, ok := c.in.resolve(a.Space)
			if !ok {
				return fmt.Errorf("%w: prefix %q of attribute %s is not declared", ErrTransform, a.Space, a.FullKey())
			}
			ca.uri = uri
			if a.Space != "xml" {
				if err := c.needs(a.Space, c.decls); err != nil {
					return err
				}
			}
		}
		attrs = append(attrs, ca)
	}
	for _, p := range c.inclusive {
		if p == "#default" {
			p = ""
		}
		if _, ok := c.in.resolve(p); ok {
			if err := c.needs(p, c.decls); err != nil {
				return err
			}
		}
	}
	slices.SortFunc(c.decls, func(a, b binding) int { return strings.Compare(a.prefix, b.prefix) })
	slices.SortFunc(attrs, func(a, b c14nAttr) int {
		if r := strings.Compare(a.uri, b.uri); r != 0 {
			return r
		}
		return strings.Compare(a.local, b.local)
	})
	c.buf = append(c.buf, '<')
	c.buf = appendQName(c.buf, el.Space, el.Tag)
	mark := len(c.rendered)
	c.marks = append(c.marks, mark)
	for _, d := range c.decls {
		if d.prefix == "" {
			c.buf = append(c.buf, ` xmlns="`...)
		} else {
			c.buf = append(c.buf, " xmlns:"...)
			c.buf = append(c.buf, d.prefix...)
			c.buf = append(c.buf, `="`...)
		}
		c.buf = appendC14NAttrValue(c.buf, d.uri)
		c.buf = append(c.buf, '"')
		c.rendered = append(c.rendered, d)
	}
	for _, a := range attrs {
		c.buf = append(c.buf, ' ')
		c.buf = append(c.buf, a.qname...)
		c.buf = append(c.buf, `="`...)
		c.buf = appendC14NAttrValue(c.buf, a.value)
		c.buf = append(c.buf, '"')
	}
	c.buf = append(c.buf, '>')
	c.attrs = attrs[:0]
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			c.buf = appendC14NText(c.buf, t.Data)
		case *etree.Element:
			if err := c.element(t, depth+1); err != nil {
				return err
			}
		case *etree.ProcInst:
			c.buf = append(c.buf, "<?"...)
			c.buf = append(c.buf, t.Target...)
			if t.Inst != "" {
				c.buf = append(c.buf, ' ')
				c.buf = append(c.buf, t.Inst...)
			}
			c.buf = append(c.buf, "?>"...)
		}
	}
	c.buf = append(c.buf, "</"...)
	c.buf = appendQName(c.buf, el.Space, el.Tag)
	c.buf = append(c.buf, '>')
	n := len(c.marks) - 1
	c.rendered = c.rendered[:c.marks[n]]
	c.marks = c.marks[:n]
	c.in.pop()
	return nil
}

func appendQName(dst []byte, prefix, local string) []byte {
	if prefix != "" {
		dst = append(dst, prefix...)
		dst = append(dst, ':')
	}
	return append(dst, local...)
}

// appendC14NText escapes text as canonical XML does: & < > and CR.
func appendC14NText(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, esc...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}

// appendC14NAttrValue escapes an attribute value as canonical XML does:
// & < " and tab, newline, CR.
func appendC14NAttrValue(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, esc...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}
