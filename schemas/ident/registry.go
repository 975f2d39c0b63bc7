package ident

import (
	"fmt"
	"strings"
)

// group describes one separator-delimited group of digits in a composite
// number.
type group struct {
	name     string
	min, max int
}

// cadastralGroups describes AA:BB:CCCCCC(C):N.
var cadastralGroups = [...]group{
	{"region", 2, 2},
	{"district", 2, 2},
	{"cadastral quarter", 6, 7},
	{"object number", 1, 7},
}

// proceedingGroups describes N/YY/DDDDD (before the "-ИП" suffix).
var proceedingGroups = [...]group{
	{"sequence number", 1, 8},
	{"year", 2, 2},
	{"department code", 5, 5},
}

// checkGroups splits s on sep and checks each part against groups.
func checkGroups(k Kind, s string, sep byte, groups []group) error {
	if n := strings.Count(s, string(sep)) + 1; n != len(groups) {
		return formatError(k, fmt.Sprintf("expected %d groups separated by %q, got %d", len(groups), sep, n))
	}
	rest := s
	for i, g := range groups {
		part := rest
		if j := strings.IndexByte(rest, sep); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		}
		if firstNonDigit(part) >= 0 {
			return formatError(k, fmt.Sprintf("group %d (%s) contains a character that is not a digit", i+1, g.name))
		}
		if len(part) < g.min || len(part) > g.max {
			return formatError(k, fmt.Sprintf("group %d (%s) has %d digits, expected %s", i+1, g.name, len(part), g.width()))
		}
	}
	return nil
}

func (g group) width() string {
	switch {
	case g.min == g.max:
		return fmt.Sprint(g.min)
	case g.max == g.min+1:
		return fmt.Sprintf("%d or %d", g.min, g.max)
	default:
		return fmt.Sprintf("%d to %d", g.min, g.max)
	}
}

// CheckCadastral checks a cadastral number of a real-estate object:
// AA:BB:CCCCCC:N or AA:BB:CCCCCCC:N, that is two digits (cadastral region),
// two digits (cadastral district), six or seven digits (cadastral quarter)
// and one to seven digits (object number within the quarter), separated by
// colons.
func CheckCadastral(s string) error {
	return checkGroups(Cadastral, s, ':', cadastralGroups[:])
}

// proceedingSuffix is the suffix of an enforcement proceeding number: a
// hyphen followed by the Cyrillic letters И (U+0418) and П (U+041F).
const proceedingSuffix = "-ИП"

// CheckProceeding checks an enforcement proceeding number of the Federal
// Bailiff Service: N/YY/DDDDD-ИП, where N is a sequence number of 1 to 8
// digits, YY the last two digits of the year, DDDDD the 5-digit code of the
// bailiff department, and "-ИП" is written with Cyrillic letters, for
// example "12345/24/77001-ИП".
func CheckProceeding(s string) error {
	body, ok := strings.CutSuffix(s, proceedingSuffix)
	if !ok {
		if strings.HasSuffix(s, "ИП") {
			return formatError(Proceeding, `missing "-" before the suffix "ИП"`)
		}
		return formatError(Proceeding, `must end with "-ИП" (Cyrillic И and П)`)
	}
	return checkGroups(Proceeding, body, '/', proceedingGroups[:])
}
