// Package ident checks the identifiers that enforcement messages carry: INN,
// OGRN, OGRNIP, SNILS, BIC, bank account number (its control key computed with
// the BIC), VIN, cadastral number and enforcement proceeding number.
//
// Each kind has its own function (CheckINN, CheckOGRN, ...) and [Check]
// dispatches on a [Kind]. The checks are syntactic and arithmetic only: a
// value that passes may still not be registered anywhere. Values are never
// trimmed, normalised or case-folded; surrounding spaces are an error.
//
// # Errors
//
// Every failure is an [*Error] wrapping one of [ErrUnknownKind], [ErrFormat]
// (wrong length, characters or shape) or [ErrCheckDigit] (well formed, but
// a check digit, check number or control key is wrong); test for them with
// [errors.Is]. Error messages never include the checked value, which may be
// personal data; they mention positions (1-based, counted in characters),
// lengths and expected digits only. No function panics, whatever the input.
//
// # Rules
//
// Digit positions below are 1-based, d1 being the leftmost digit.
//
// INN (ИНН). Ten digits for an organisation, twelve for an individual. For a
// 10-digit INN, d10 = (2·d1 + 4·d2 + 10·d3 + 3·d4 + 5·d5 + 9·d6 + 4·d7 +
// 6·d8 + 8·d9) mod 11 mod 10. For a 12-digit INN, d11 is computed over d1-d10
// with the weights 7, 2, 4, 10, 3, 5, 9, 4, 6, 8, and then d12 over d1-d11
// with the weights 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8, each sum taken mod 11
// and then mod 10.
//
// OGRN (ОГРН). Thirteen digits; d1 (the record sign) is 1 or 5. d13 is the
// number formed by d1-d12 taken mod 11, then mod 10 (a remainder of 10
// gives 0).
//
// OGRNIP (ОГРНИП). Fifteen digits; d1 is 3. d15 is the number formed by
// d1-d14 taken mod 13, then mod 10.
//
// SNILS (СНИЛС). Eleven digits, written either without separators
// ("11223344595") or as "DDD-DDD-DDD DD" ("112-233-445 95"); no other
// spelling is accepted. The first nine digits are the number, the last two
// the check number. S = 9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 +
// 2·d8 + 1·d9. If S < 100 the check number is S; if S is 100 or 101 it is
// 00; if S > 101 it is S mod 101, with a result of 100 again giving 00
// (that is, S mod 101 mod 100 in every case). The check number is only
// verified for numbers above 001-001-998; for smaller numbers any two
// digits are accepted.
//
// BIC (БИК). Nine digits. Digits 1-2 are 04 for credit institutions, their
// branches and Bank of Russia units, or 00, 01, 02 for bodies of the Federal
// Treasury (ТОФК, in use since 2021); digits 3-4 are the region, 5-6 the
// Bank of Russia unit, 7-9 the participant's conditional number (050-999
// for credit institutions, below 050 for Bank of Russia units). There is no
// check digit.
//
// Bank account. Twenty digits; d9 is the control key defined by the Bank of
// Russia ("Порядок расчета контрольного ключа в номере лицевого счета",
// 08.09.1997 N 515). A 3-digit conditional number is put in front of the
// account number, giving 23 digits, which are multiplied by the weights
// 7, 1, 3, 7, 1, 3, ... (7, 1, 3 repeated); with the key taken as 0, the
// key is the last digit of 3 × (the last digit of the sum of the last
// digits of the products). Equivalently, with the real key in place the sum
// of the last digits of the products is a multiple of 10. The conditional
// number is:
//   - for an account held at the Bank of Russia, "0" followed by BIC digits
//     5-6 (the Bank of Russia unit number). This applies to correspondent
//     accounts of credit institutions (the account starts with 30101; the
//     bank's own BIC may be passed, since its digits 5-6 are those of its
//     unit), to any account when the BIC is that of a Bank of Russia unit
//     (digits 7-9 below 050), and to the single treasury accounts (ЕКС,
//     40102...) behind a Federal Treasury BIC;
//   - otherwise, for an account held at a credit institution, BIC digits
//     7-9 (the credit institution's conditional number).
//
// Treasury accounts (казначейские счета, starting with 03) given with a
// Federal Treasury BIC have no control key (their d9 is part of an OKTMO
// code), so only their format is checked. Accounts of the clearing
// currencies, which carry a letter in position 6, are not accepted.
//
// VIN. Seventeen characters, each an ASCII digit or an upper-case Latin
// letter other than I, O and Q. The North-American check digit (position 9)
// is not verified.
//
// Cadastral number. AA:BB:CCCCCC:N or AA:BB:CCCCCCC:N: the cadastral region
// (2 digits), the cadastral district (2 digits), the cadastral quarter (6 or
// 7 digits) and the object number (1 to 7 digits), separated by colons.
//
// Enforcement proceeding number. N/YY/DDDDD-ИП: the sequence number N (1 to
// 8 digits), the last two digits of the year YY, the 5-digit code DDDDD of
// the bailiff department, and the suffix "-ИП" written with a hyphen and the
// Cyrillic capital letters И (U+0418) and П (U+041F), for example
// "12345/24/77001-ИП". Latin look-alikes ("-IP") are rejected.
package ident
