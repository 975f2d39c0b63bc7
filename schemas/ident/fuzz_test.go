package ident_test

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mezhved/schemas/ident"
)

// formatRE is the basic shape every value accepted by Check must have.
var formatRE = map[ident.Kind]*regexp.Regexp{
	ident.INN:        regexp.MustCompile(`^(?:[0-9]{10}|[0-9]{12})$`),
	ident.OGRN:       regexp.MustCompile(`^[15][0-9]{12}$`),
	ident.OGRNIP:     regexp.MustCompile(`^3[0-9]{14}$`),
	ident.SNILS:      regexp.MustCompile(`^(?:[0-9]{11}|[0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2})$`),
	ident.BIC:        regexp.MustCompile(`^0[0124][0-9]{7}$`),
	ident.Account:    regexp.MustCompile(`^[0-9]{20}$`),
	ident.VIN:        regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`),
	ident.Cadastral:  regexp.MustCompile(`^[0-9]{2}:[0-9]{2}:[0-9]{6,7}:[0-9]{1,7}$`),
	ident.Proceeding: regexp.MustCompile(`^[0-9]{1,8}/[0-9]{2}/[0-9]{5}-ИП$`),
}

var allDigitsRE = regexp.MustCompile(`^[0-9]+$`)

// refValid is a deliberately naive second implementation of the arithmetic
// rules, used to cross-check the package on fuzzed input. It reports whether
// a value that already matches formatRE also has correct check digits.
func refValid(k ident.Kind, v, bic string) bool {
	digit := func(s string, i int) int { return int(s[i] - '0') }
	weighted := func(s string, w ...int) int {
		sum := 0
		for i, x := range w {
			sum += digit(s, i) * x
		}
		return sum
	}
	switch k {
	case ident.INN:
		if len(v) == 10 {
			return weighted(v, 2, 4, 10, 3, 5, 9, 4, 6, 8)%11%10 == digit(v, 9)
		}
		return weighted(v, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)%11%10 == digit(v, 10) &&
			weighted(v, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)%11%10 == digit(v, 11)
	case ident.OGRN:
		n, _ := strconv.ParseUint(v[:12], 10, 64)
		return int(n%11%10) == digit(v, 12)
	case ident.OGRNIP:
		n, _ := strconv.ParseUint(v[:14], 10, 64)
		return int(n%13%10) == digit(v, 14)
	case ident.SNILS:
		v = strings.NewReplacer("-", "", " ", "").Replace(v)
		if n, _ := strconv.Atoi(v[:9]); n <= 1001998 {
			return true
		}
		s := weighted(v, 9, 8, 7, 6, 5, 4, 3, 2, 1)
		var c int
		switch {
		case s < 100:
			c = s
		case s == 100 || s == 101:
			c = 0
		default:
			c = s % 101
			if c == 100 {
				c = 0
			}
		}
		n, _ := strconv.Atoi(v[9:])
		return c == n
	case ident.Account:
		if !formatRE[ident.BIC].MatchString(bic) {
			return false
		}
		treasury := bic[:2] != "04"
		if treasury && strings.HasPrefix(v, "03") {
			return true
		}
		num := bic[6:]
		if cn, _ := strconv.Atoi(bic[6:]); treasury || cn < 50 || strings.HasPrefix(v, "30101") {
			num = "0" + bic[4:6]
		}
		s := num + v
		sum := 0
		for i := range s {
			sum += digit(s, i) * []int{7, 1, 3}[i%3] % 10
		}
		return sum%10 == 0
	}
	return true
}

func FuzzCheck(f *testing.F) {
	for _, table := range [][]testCase{innCases, ogrnCases, ogrnipCases, snilsCases, bicCases, accountCases, vinCases, cadastralCases, proceedingCases} {
		for _, tc := range table {
			f.Add(tc.value, tc.bic)
		}
	}
	f.Fuzz(func(t *testing.T, value, bic string) {
		for _, k := range ident.Kinds() {
			err := ident.Check(k, value, bic)
			if got := checkers[k](value, bic); errString(got) != errString(err) {
				t.Fatalf("%s: Check returned %v, dedicated function %v", k, err, got)
			}
			wellFormed := formatRE[k].MatchString(value)
			if k == ident.Account {
				wellFormed = wellFormed && formatRE[ident.BIC].MatchString(bic)
			}
			want := wellFormed && refValid(k, value, bic)
			if err == nil {
				if !want {
					t.Fatalf("%s: accepted %q (bic %q), reference implementation rejects it", k, value, bic)
				}
				continue
			}
			if want {
				t.Fatalf("%s: rejected %q (bic %q) with %v, reference implementation accepts it", k, value, bic, err)
			}
			var e *ident.Error
			if !errors.As(err, &e) || e.Kind != k {
				t.Fatalf("%s: error %#v is not an *ident.Error of that kind", k, err)
			}
			switch {
			case errors.Is(err, ident.ErrFormat):
				if wellFormed {
					t.Fatalf("%s: well-formed %q rejected as %v", k, value, err)
				}
			case errors.Is(err, ident.ErrCheckDigit):
				if !wellFormed {
					t.Fatalf("%s: malformed %q (bic %q) reported as a check-digit error: %v", k, value, bic, err)
				}
			default:
				t.Fatalf("%s: error %v wraps neither ErrFormat nor ErrCheckDigit", k, err)
			}
			msg := err.Error()
			if len(value) >= 6 && allDigitsRE.MatchString(value) && strings.Contains(msg, value) {
				t.Fatalf("%s: message %q contains the value", k, msg)
			}
			if len(msg) > 200 {
				t.Fatalf("%s: message is %d bytes long", k, len(msg))
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func BenchmarkCheck(b *testing.B) {
	benchmarks := []struct {
		name       string
		kind       ident.Kind
		value, bic string
	}{
		{"inn/organisation", ident.INN, "7707083893", ""},
		{"inn/person", ident.INN, "770000000082", ""},
		{"ogrn", ident.OGRN, "1027700132195", ""},
		{"ogrnip", ident.OGRNIP, "304500116000157", ""},
		{"snils/formatted", ident.SNILS, "112-233-445 95", ""},
		{"bic", ident.BIC, "044525225", ""},
		{"account/correspondent", ident.Account, "30101810400000000225", "044525225"},
		{"account/client", ident.Account, "40602810700000000025", "049805746"},
		{"vin", ident.VIN, "1M8GDM9AXKP042788", ""},
		{"cadastral", ident.Cadastral, "77:01:0001001:1234", ""},
		{"proceeding", ident.Proceeding, "12345/24/77001-ИП", ""},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := ident.Check(bm.kind, bm.value, bm.bic); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("invalid/inn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := ident.Check(ident.INN, "7707083894", ""); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}
