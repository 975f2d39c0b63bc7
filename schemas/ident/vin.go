package ident

import "fmt"

// vinLength is the length of a vehicle identification number.
const vinLength = 17

// CheckVIN checks a vehicle identification number: 17 characters, each an
// upper-case Latin letter other than I, O and Q, or an ASCII digit. The
// North-American check digit (9th character) is not verified, since it is
// not mandatory for vehicles made for other markets.
func CheckVIN(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
		case c == 'I' || c == 'O' || c == 'Q':
			return formatError(VIN, fmt.Sprintf("character %d is I, O or Q, which are not used in VINs", charPos(s, i)))
		case 'A' <= c && c <= 'Z':
		case 'a' <= c && c <= 'z':
			return formatError(VIN, fmt.Sprintf("character %d is a lower-case letter, expected A-Z or 0-9", charPos(s, i)))
		default:
			return formatError(VIN, fmt.Sprintf("character %d is not allowed, expected A-Z or 0-9", charPos(s, i)))
		}
	}
	if len(s) != vinLength {
		return formatError(VIN, fmt.Sprintf("length %d, expected %d", len(s), vinLength))
	}
	return nil
}
