package dataset

import "strconv"

// Check-digit arithmetic for the identifiers the generator makes. The rules
// are those of schemas/ident (see its package documentation); the tests
// check every generated value with that package.

// innWeights are the INN weights: the 12th digit of a person's INN uses all
// of them, the 11th digit innWeights[1:], the 10th digit of an
// organisation's INN innWeights[2:].
var innWeights = [11]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}

// innDigit returns the check digit that follows the digits of s.
func innDigit(s string) byte {
	w := innWeights[len(innWeights)-len(s):]
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += int(s[i]-'0') * w[i]
	}
	return byte('0' + sum%11%10)
}

// completeINN appends the check digits to the first 9 digits of an
// organisation's INN or the first 10 digits of a person's.
func completeINN(body string) string {
	s := body + string(innDigit(body))
	if len(body) == 10 {
		s += string(innDigit(s))
	}
	return s
}

// completeOGRN appends the check digit to the first 12 digits of an OGRN:
// the 12-digit number modulo 11, then modulo 10.
func completeOGRN(body string) string {
	n, _ := strconv.ParseUint(body, 10, 64)
	return body + string(byte('0'+n%11%10))
}

// completeSNILS appends the 2-digit check number to the 9-digit SNILS
// number: the weighted sum (weights 9 down to 1) modulo 101, then modulo 100.
func completeSNILS(body string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(body[i]-'0') * (9 - i)
	}
	c := sum % 101 % 100
	return body + string(byte('0'+c/10)) + string(byte('0'+c%10))
}

// accountWeights weight the 23 digits made of the 3-digit conditional
// number and the account number.
var accountWeights = [3]int{7, 1, 3}

// withAccountKey returns the 20-digit account with its control key (digit 9)
// set for an account held at a credit institution whose BIC is bic: the
// conditional number is BIC digits 7-9, and the key is the last digit of 3
// times the last digit of the sum of the last digits of the weighted
// products, computed with the key taken as zero.
func withAccountKey(account, bic string) string {
	b := []byte(account)
	b[8] = '0'
	digits := bic[6:9] + string(b)
	sum := 0
	for i := 0; i < len(digits); i++ {
		sum += int(digits[i]-'0') * accountWeights[i%3] % 10
	}
	b[8] = byte('0' + sum%10*3%10)
	return string(b)
}

// vinYearCodes gives the model-year character (VIN position 10) for the
// years 2001-2030.
const vinYearCodes = "123456789ABCDEFGHJKLMNPRSTVWXY"

// vinYearCode returns the model-year character for a year in 2001-2030.
func vinYearCode(year int) byte { return vinYearCodes[year-2001] }

// vinWeights are the weights of the North-American VIN check digit.
var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// vinLetterValues transliterates the letters A-Z for the check digit
// (I, O and Q, never used, are dots).
const vinLetterValues = "12345678.12345.7.923456789"

// vinCheckDigit returns the North-American check digit (position 9) of the
// 17-character VIN v, whose own position 9 is ignored: the weighted sum of
// the transliterated characters modulo 11, 10 being written X. The check
// digit is not required by schemas/ident; it makes the VINs look real.
func vinCheckDigit(v string) byte {
	sum := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		n := 0
		if '0' <= c && c <= '9' {
			n = int(c - '0')
		} else {
			n = int(vinLetterValues[c-'A'] - '0')
		}
		sum += n * vinWeights[i]
	}
	if r := sum % 11; r < 10 {
		return byte('0' + r)
	}
	return 'X'
}
