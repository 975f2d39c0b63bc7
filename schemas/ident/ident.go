package ident

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind names a kind of identifier.
type Kind string

// Identifier kinds, in the order returned by [Kinds].
const (
	INN        Kind = "inn"        // taxpayer identification number (ИНН)
	OGRN       Kind = "ogrn"       // primary state registration number of a legal entity (ОГРН)
	OGRNIP     Kind = "ogrnip"     // primary state registration number of an individual entrepreneur (ОГРНИП)
	SNILS      Kind = "snils"      // individual insurance account number (СНИЛС)
	BIC        Kind = "bic"        // Bank of Russia bank identification code (БИК)
	Account    Kind = "account"    // 20-digit bank account number, keyed with the BIC
	VIN        Kind = "vin"        // vehicle identification number
	Cadastral  Kind = "cadastral"  // cadastral number of a real-estate object
	Proceeding Kind = "proceeding" // enforcement proceeding number (номер исполнительного производства)
)

var allKinds = [...]Kind{INN, OGRN, OGRNIP, SNILS, BIC, Account, VIN, Cadastral, Proceeding}

// Kinds returns all kinds in declaration order. The returned slice is a new
// copy on every call and may be modified by the caller.
func Kinds() []Kind {
	out := make([]Kind, len(allKinds))
	copy(out, allKinds[:])
	return out
}

// ParseKind returns the kind whose name equals s, ignoring case. For any
// other s it returns an [*Error] wrapping [ErrUnknownKind].
func ParseKind(s string) (Kind, error) {
	for _, k := range allKinds {
		if strings.EqualFold(s, string(k)) {
			return k, nil
		}
	}
	return "", unknownKind(s)
}

// Check checks value as an identifier of kind k. bic is used only when k is
// [Account] (see [CheckAccount]) and is ignored otherwise. An unknown kind
// yields an [*Error] wrapping [ErrUnknownKind].
func Check(k Kind, value, bic string) error {
	switch k {
	case INN:
		return CheckINN(value)
	case OGRN:
		return CheckOGRN(value)
	case OGRNIP:
		return CheckOGRNIP(value)
	case SNILS:
		return CheckSNILS(value)
	case BIC:
		return CheckBIC(value)
	case Account:
		return CheckAccount(value, bic)
	case VIN:
		return CheckVIN(value)
	case Cadastral:
		return CheckCadastral(value)
	case Proceeding:
		return CheckProceeding(value)
	}
	return unknownKind(string(k))
}

// maxKindInError bounds how much of an unrecognised kind name is quoted in
// an error message.
const maxKindInError = 32

func unknownKind(name string) error {
	if len(name) > maxKindInError {
		cut := maxKindInError
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + "..."
	}
	return &Error{Reason: fmt.Sprintf("unknown kind %q", name), Err: ErrUnknownKind}
}

// isDigit reports whether b is an ASCII decimal digit.
func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// charPos converts the byte offset i in s into a 1-based character (rune)
// position, so that messages stay meaningful for non-ASCII input.
func charPos(s string, i int) int {
	return utf8.RuneCountInString(s[:i]) + 1
}

// firstNonDigit returns the byte offset of the first byte of s that is not
// an ASCII digit, or -1 when s consists of ASCII digits only.
func firstNonDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return i
		}
	}
	return -1
}

// checkDigits verifies that s consists of ASCII digits only and has length
// n1 or, when n2 is not zero, n2.
func checkDigits(k Kind, s string, n1, n2 int) error {
	if reason := digitsReason(s, n1, n2); reason != "" {
		return formatError(k, reason)
	}
	return nil
}

// digitsReason is checkDigits without the error wrapping: it returns the
// reason s is rejected, or "" when s is acceptable.
func digitsReason(s string, n1, n2 int) string {
	if i := firstNonDigit(s); i >= 0 {
		return fmt.Sprintf("character %d is not a digit", charPos(s, i))
	}
	if len(s) == n1 || (n2 != 0 && len(s) == n2) {
		return ""
	}
	if n2 != 0 {
		return fmt.Sprintf("length %d, expected %d or %d", len(s), n1, n2)
	}
	return fmt.Sprintf("length %d, expected %d", len(s), n1)
}

// digitAt returns the numeric value of the ASCII digit s[i].
func digitAt(s string, i int) int { return int(s[i] - '0') }

// modDecimal returns the decimal number written by the ASCII digits s taken
// modulo m, without overflow whatever the length of s.
func modDecimal(s string, m int) int {
	r := 0
	for i := 0; i < len(s); i++ {
		r = (r*10 + digitAt(s, i)) % m
	}
	return r
}
