package ident

import "fmt"

// bicReason returns why s is not a valid BIC, or "" when it is.
func bicReason(s string) string {
	if reason := digitsReason(s, 9, 0); reason != "" {
		return reason
	}
	if !isTreasuryBIC(s) && s[:2] != "04" {
		return "must start with 04 (credit institutions and Bank of Russia units) or 00, 01, 02 (Federal Treasury bodies)"
	}
	return ""
}

// isTreasuryBIC reports whether the well-formed BIC bic belongs to a body of
// the Federal Treasury (ТОФК). Such BICs, issued since 2021, start with 00,
// 01 or 02.
func isTreasuryBIC(bic string) bool {
	return bic[0] == '0' && (bic[1] == '0' || bic[1] == '1' || bic[1] == '2')
}

// isBankOfRussiaBIC reports whether the well-formed BIC bic belongs to a
// unit of the Bank of Russia (cash settlement centre and the like): digits
// 7-9 below 050, the range 050-999 being reserved for credit institutions
// and their branches.
func isBankOfRussiaBIC(bic string) bool {
	return bic[:2] == "04" && bic[6:9] < "050"
}

// CheckBIC checks a Bank of Russia bank identification code (БИК): 9 digits
// starting with 04 (credit institutions, their branches and Bank of Russia
// units) or with 00, 01 or 02 (Federal Treasury bodies).
func CheckBIC(s string) error {
	if reason := bicReason(s); reason != "" {
		return formatError(BIC, reason)
	}
	return nil
}

// accountWeights are the weights of the 23-digit string made of the 3-digit
// conditional number and the 20-digit account number.
var accountWeights = [3]int{7, 1, 3}

// CheckAccount checks a 20-digit bank account number and its control key
// (9th digit), computed with the BIC of the institution where the account is
// held, following the Bank of Russia procedure described in the package
// documentation. The BIC must itself be valid (see [CheckBIC]); a malformed
// BIC is reported as [ErrFormat] with a reason starting with "bic:".
func CheckAccount(account, bic string) error {
	if err := checkDigits(Account, account, 20, 0); err != nil {
		return err
	}
	if bic == "" {
		return formatError(Account, "bic: required to verify the control key")
	}
	if reason := bicReason(bic); reason != "" {
		return formatError(Account, "bic: "+reason)
	}

	var num [3]byte
	var source string
	switch {
	case isTreasuryBIC(bic) && account[:2] == "03":
		// Treasury accounts (казначейские счета) have no control key: their
		// 9th digit is the first digit of an OKTMO code.
		return nil
	case isTreasuryBIC(bic) || isBankOfRussiaBIC(bic) || account[:5] == "30101":
		// The account is held at the Bank of Russia: a correspondent account
		// of a credit institution, an account of a Bank of Russia unit's
		// client, or a single treasury account (ЕКС) behind a treasury BIC.
		num = [3]byte{'0', bic[4], bic[5]}
		source = "Bank of Russia unit number (0 and BIC digits 5-6)"
	default:
		num = [3]byte{bic[6], bic[7], bic[8]}
		source = "credit institution number (BIC digits 7-9)"
	}

	sum := 0
	for i := 0; i < 23; i++ {
		var c byte
		if i < 3 {
			c = num[i]
		} else {
			c = account[i-3]
		}
		if i == 3+8 { // the key itself counts as zero
			continue
		}
		sum += int(c-'0') * accountWeights[i%3] % 10
	}
	want := sum % 10 * 3 % 10
	if got := digitAt(account, 8); got != want {
		return checkDigitError(Account, fmt.Sprintf("control key (digit 9) is %d, expected %d with the %s", got, want, source))
	}
	return nil
}
