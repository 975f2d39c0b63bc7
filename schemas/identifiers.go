package schemas

import (
	"errors"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"mezhved/exchange/xmlsafe"
	"mezhved/schemas/ident"
)

// IdentifierRules says which payload elements carry identifiers: an element
// whose namespace starts with one of Namespaces and whose local name is a key
// of Elements holds an identifier of that kind. The account rule reads the
// BIC from a sibling element named BIC.
type IdentifierRules struct {
	Namespaces []string
	Elements   map[string]ident.Kind
}

// EnforcementIdentifiers are the rules of the shipped enforcement types.
func EnforcementIdentifiers() IdentifierRules {
	return IdentifierRules{
		Namespaces: []string{EnforcementNamespacePrefix},
		Elements: map[string]ident.Kind{
			"INN":              ident.INN,
			"OGRN":             ident.OGRN,
			"OGRNIP":           ident.OGRNIP,
			"SNILS":            ident.SNILS,
			"BIC":              ident.BIC,
			"AccountNumber":    ident.Account,
			"VIN":              ident.VIN,
			"CadastralNumber":  ident.Cadastral,
			"ProceedingNumber": ident.Proceeding,
		},
	}
}

func (r IdentifierRules) applies(ns string) bool {
	for _, p := range r.Namespaces {
		if strings.HasPrefix(ns, p) {
			return true
		}
	}
	return false
}

// CheckIdentifiers applies the rules to every element under root (root
// included) and returns an issue for each identifier that fails its check,
// naming the element's path from the document's root. Reasons never repeat
// the value.
func CheckIdentifiers(root *etree.Element, rules IdentifierRules) []Issue {
	if len(rules.Elements) == 0 {
		return nil
	}
	var issues []Issue
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		ns := el.NamespaceURI()
		if kind, ok := rules.Elements[el.Tag]; ok && rules.applies(ns) {
			value := strings.TrimSpace(xmlsafe.Text(el))
			bic := ""
			if kind == ident.Account {
				if p := el.Parent(); p != nil {
					for s := range p.ChildElementsSeq() {
						if s.Tag == "BIC" && s.NamespaceURI() == ns {
							bic = strings.TrimSpace(xmlsafe.Text(s))
						}
					}
				}
			}
			var err error
			if kind == ident.Account && bic == "" {
				err = errors.New("account: no sibling BIC element to check the control key with")
			} else {
				err = ident.Check(kind, value, bic)
			}
			if err != nil {
				issues = append(issues, Issue{Path: elementPath(el), Reason: err.Error()})
			}
		}
		for c := range el.ChildElementsSeq() {
			walk(c)
		}
	}
	walk(root)
	return issues
}

// elementPath returns /a/b/c of local names from the document's root, with a
// [n] index where an element has same-named siblings before it.
func elementPath(el *etree.Element) string {
	var parts []string
	for e := el; e != nil && e.Tag != ""; e = e.Parent() {
		part := e.Tag
		if p := e.Parent(); p != nil {
			n, same := 0, 0
			for s := range p.ChildElementsSeq() {
				if s.Tag == e.Tag {
					same++
					if s == e {
						n = same
					}
				}
			}
			if same > 1 {
				part += "[" + strconv.Itoa(n) + "]"
			}
		}
		parts = append(parts, part)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}
