package ident

import "fmt"

// innWeights holds the INN weights for the 12th check digit. The weights for
// the 11th check digit are innWeights[1:] and those for the check digit of a
// 10-digit INN are innWeights[2:].
var innWeights = [11]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}

// innCheckDigit computes the check digit that follows the digits s, using
// the last len(s) INN weights.
func innCheckDigit(s string) int {
	w := innWeights[len(innWeights)-len(s):]
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += digitAt(s, i) * w[i]
	}
	return sum % 11 % 10
}

// CheckINN checks a taxpayer identification number (ИНН): 10 digits for an
// organisation or 12 digits for an individual, with the check digits
// described in the package documentation.
func CheckINN(s string) error {
	if err := checkDigits(INN, s, 10, 12); err != nil {
		return err
	}
	if len(s) == 10 {
		return innVerify(s, 10)
	}
	// A bad 11th digit is reported before the 12th.
	if err := innVerify(s, 11); err != nil {
		return err
	}
	return innVerify(s, 12)
}

// innVerify compares the check digit at 1-based position pos of the INN s
// with the one computed from the digits before it.
func innVerify(s string, pos int) error {
	want := innCheckDigit(s[:pos-1])
	if got := digitAt(s, pos-1); got != want {
		return checkDigitError(INN, fmt.Sprintf("check digit %d is %d, expected %d", pos, got, want))
	}
	return nil
}

// CheckOGRN checks a primary state registration number of a legal entity
// (ОГРН): 13 digits starting with 1 or 5, the last being the first 12 digits
// taken as a number modulo 11, then modulo 10.
func CheckOGRN(s string) error {
	if err := checkDigits(OGRN, s, 13, 0); err != nil {
		return err
	}
	if s[0] != '1' && s[0] != '5' {
		return formatError(OGRN, "first digit must be 1 or 5")
	}
	want := modDecimal(s[:12], 11) % 10
	if got := digitAt(s, 12); got != want {
		return checkDigitError(OGRN, fmt.Sprintf("check digit 13 is %d, expected %d", got, want))
	}
	return nil
}

// CheckOGRNIP checks a primary state registration number of an individual
// entrepreneur (ОГРНИП): 15 digits starting with 3, the last being the first
// 14 digits taken as a number modulo 13, then modulo 10.
func CheckOGRNIP(s string) error {
	if err := checkDigits(OGRNIP, s, 15, 0); err != nil {
		return err
	}
	if s[0] != '3' {
		return formatError(OGRNIP, "first digit must be 3")
	}
	want := modDecimal(s[:14], 13) % 10
	if got := digitAt(s, 14); got != want {
		return checkDigitError(OGRNIP, fmt.Sprintf("check digit 15 is %d, expected %d", got, want))
	}
	return nil
}

// snilsUncheckedMax is the largest SNILS number (first nine digits) that is
// not covered by the check-number rule: 001-001-998.
const snilsUncheckedMax = 1001998

// CheckSNILS checks an individual insurance account number (СНИЛС), written
// either as 11 digits ("11223344595") or as "DDD-DDD-DDD DD"
// ("112-233-445 95"). The check number is verified for numbers above
// 001-001-998 as described in the package documentation.
func CheckSNILS(s string) error {
	var d [11]byte
	switch {
	case len(s) == 14 && s[3] == '-' && s[7] == '-' && s[11] == ' ':
		n := 0
		for i := 0; i < len(s); i++ {
			if i == 3 || i == 7 || i == 11 {
				continue
			}
			if !isDigit(s[i]) {
				return formatError(SNILS, fmt.Sprintf("character %d is not a digit", charPos(s, i)))
			}
			d[n] = s[i]
			n++
		}
	default:
		if err := checkDigits(SNILS, s, 11, 0); err != nil {
			if containsSNILSSeparator(s) {
				return formatError(SNILS, "expected 11 digits or the form DDD-DDD-DDD DD")
			}
			return err
		}
		copy(d[:], s)
	}
	num := 0
	sum := 0
	for i := 0; i < 9; i++ {
		v := int(d[i] - '0')
		num = num*10 + v
		sum += v * (9 - i)
	}
	if num <= snilsUncheckedMax {
		return nil
	}
	want := sum % 101 % 100
	got := int(d[9]-'0')*10 + int(d[10]-'0')
	if got != want {
		return checkDigitError(SNILS, fmt.Sprintf("check number is %02d, expected %02d", got, want))
	}
	return nil
}

func containsSNILSSeparator(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '-' || s[i] == ' ' {
			return true
		}
	}
	return false
}
