package hub

import (
	"strings"
	"testing"
)

// TestReplyTokenStrict: a token opens only as issued. In base64 without
// padding the last character of the MAC has unused low bits; a token with
// them changed names the same bytes to a lenient decoder, but the hub did
// not issue it.
func TestReplyTokenStrict(t *testing.T) {
	r := newReplyTokens([]byte(strings.Repeat("k", 32)))
	tok := r.issue("4b0e7f7c-e7dc-11f1-9193-d41af502c894", "COURT01")
	if id, who, ok := r.open(tok); !ok || id != "4b0e7f7c-e7dc-11f1-9193-d41af502c894" || who != "COURT01" {
		t.Fatalf("the issued token does not open: %q %q %t", id, who, ok)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, c := range alphabet {
		variant := tok[:len(tok)-1] + string(c)
		if variant == tok {
			continue
		}
		if _, _, ok := r.open(variant); ok {
			t.Errorf("%q opens, a variant of the issued %q", variant, tok)
		}
	}
}
