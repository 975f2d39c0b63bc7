package fault_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"mezhved/exchange/fault"
)

func TestCatalogCodesUnique(t *testing.T) {
	seen := map[string]bool{}
	code := regexp.MustCompile(`^MZ-\d{4}$`)
	for _, k := range fault.All() {
		if seen[k.Code] || !code.MatchString(k.Code) {
			t.Fatalf("code %q duplicated or malformed", k.Code)
		}
		seen[k.Code] = true
		if k.Name == "" || k.Summary == "" || k.Retry == 0 {
			t.Fatalf("%s is incomplete", k.Code)
		}
		if (k.Name == fault.NameSignatureVerificationFault) != (k.SignatureCode != "") {
			t.Fatalf("%s: signature code and name disagree", k.Code)
		}
		if fault.ByCode(k.Code) != k {
			t.Fatalf("ByCode(%s)", k.Code)
		}
	}
}

// TestReadmeTable keeps the README's fault table in step with the catalog.
func TestReadmeTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("README.md not found")
	}
	for _, k := range fault.All() {
		row := fmt.Sprintf("| %s | %s | %s | %s | %s |", k.Code, k.Name, k.SignatureCode, k.Retry, k.Summary)
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md lacks the row\n%s", row)
		}
	}
}

func TestErrorIsKind(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", fault.New(fault.Schema, "bad"))
	if !errors.Is(err, fault.Schema) || errors.Is(err, fault.Identifier) {
		t.Fatal("errors.Is does not match the kind")
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Error() != "InvalidContent: bad" {
		t.Fatalf("Error() = %q", fe.Error())
	}
	sig := fault.New(fault.SignatureTarget, "moved")
	if sig.Error() != "SignatureVerificationFault: IncorrectSignatureTarget: moved" {
		t.Fatal(sig.Error())
	}
	pos := &fault.Error{Kind: fault.Schema, Description: "2 errors", Positions: []fault.Position{{Line: 1, Column: 2, Path: "/a", Reason: "x"}, {Reason: "y"}}}
	if pos.Text() != "2 errors; line 1, column 2, /a: x; y" {
		t.Fatal(pos.Text())
	}
}
