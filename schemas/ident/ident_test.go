package ident_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"mezhved/schemas/ident"
)

// testCase is one row of a table test. want is nil for a valid value,
// otherwise the sentinel the error must wrap.
type testCase struct {
	name  string
	value string
	bic   string
	want  error
}

// Real values (INN, OGRN, BIC, correspondent and treasury accounts of large
// Russian banks, companies and government bodies, and the worked examples of
// the Bank of Russia's control-key procedure) are public. Values marked as
// synthetic (12-digit INNs, OGRNIPs, SNILS edge cases) were generated for
// these tests so that no individual's data is used. Every value, valid or
// not, was checked against an independent implementation of the rules.

var innCases = []testCase{
	// Sberbank
	{name: "Sberbank INN valid", value: "7707083893", want: nil},
	{name: "Sberbank INN check digit +1", value: "7707083894", want: ident.ErrCheckDigit},
	{name: "Sberbank INN digit 2 changed", value: "7807083893", want: ident.ErrCheckDigit},
	{name: "Sberbank INN digits 2 and 3 swapped", value: "7077083893", want: ident.ErrCheckDigit},
	{name: "Sberbank INN too short", value: "770708389", want: ident.ErrFormat},
	{name: "Sberbank INN too long", value: "77070838930", want: ident.ErrFormat},
	{name: "Sberbank INN letter inserted", value: "77070A83893", want: ident.ErrFormat},
	{name: "Sberbank INN letter replaces digit", value: "77070A3893", want: ident.ErrFormat},
	// VTB
	{name: "VTB INN valid", value: "7702070139", want: nil},
	{name: "VTB INN check digit +1", value: "7702070130", want: ident.ErrCheckDigit},
	{name: "VTB INN digit 2 changed", value: "7802070139", want: ident.ErrCheckDigit},
	{name: "VTB INN digits 2 and 3 swapped", value: "7072070139", want: ident.ErrCheckDigit},
	{name: "VTB INN too short", value: "770207013", want: ident.ErrFormat},
	{name: "VTB INN too long", value: "77020701390", want: ident.ErrFormat},
	{name: "VTB INN letter inserted", value: "77020A70139", want: ident.ErrFormat},
	{name: "VTB INN letter replaces digit", value: "77020A0139", want: ident.ErrFormat},
	// Alfa-Bank
	{name: "Alfa-Bank INN valid", value: "7728168971", want: nil},
	{name: "Alfa-Bank INN check digit +1", value: "7728168972", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank INN digit 2 changed", value: "7828168971", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank INN digits 2 and 3 swapped", value: "7278168971", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank INN too short", value: "772816897", want: ident.ErrFormat},
	{name: "Alfa-Bank INN too long", value: "77281689710", want: ident.ErrFormat},
	{name: "Alfa-Bank INN letter inserted", value: "77281A68971", want: ident.ErrFormat},
	{name: "Alfa-Bank INN letter replaces digit", value: "77281A8971", want: ident.ErrFormat},
	// Gazprombank
	{name: "Gazprombank INN valid", value: "7744001497", want: nil},
	{name: "Gazprombank INN check digit +1", value: "7744001498", want: ident.ErrCheckDigit},
	{name: "Gazprombank INN digit 2 changed", value: "7844001497", want: ident.ErrCheckDigit},
	{name: "Gazprombank INN digits 2 and 3 swapped", value: "7474001497", want: ident.ErrCheckDigit},
	{name: "Gazprombank INN too short", value: "774400149", want: ident.ErrFormat},
	{name: "Gazprombank INN too long", value: "77440014970", want: ident.ErrFormat},
	{name: "Gazprombank INN letter inserted", value: "77440A01497", want: ident.ErrFormat},
	{name: "Gazprombank INN letter replaces digit", value: "77440A1497", want: ident.ErrFormat},
	// T-Bank
	{name: "T-Bank INN valid", value: "7710140679", want: nil},
	{name: "T-Bank INN check digit +1", value: "7710140670", want: ident.ErrCheckDigit},
	{name: "T-Bank INN digit 2 changed", value: "7810140679", want: ident.ErrCheckDigit},
	{name: "T-Bank INN digits 2 and 3 swapped", value: "7170140679", want: ident.ErrCheckDigit},
	{name: "T-Bank INN too short", value: "771014067", want: ident.ErrFormat},
	{name: "T-Bank INN too long", value: "77101406790", want: ident.ErrFormat},
	{name: "T-Bank INN letter inserted", value: "77101A40679", want: ident.ErrFormat},
	{name: "T-Bank INN letter replaces digit", value: "77101A0679", want: ident.ErrFormat},
	// Raiffeisenbank
	{name: "Raiffeisenbank INN valid", value: "7744000302", want: nil},
	{name: "Raiffeisenbank INN check digit +1", value: "7744000303", want: ident.ErrCheckDigit},
	{name: "Raiffeisenbank INN digit 2 changed", value: "7844000302", want: ident.ErrCheckDigit},
	{name: "Raiffeisenbank INN digits 2 and 3 swapped", value: "7474000302", want: ident.ErrCheckDigit},
	{name: "Raiffeisenbank INN too short", value: "774400030", want: ident.ErrFormat},
	{name: "Raiffeisenbank INN too long", value: "77440003020", want: ident.ErrFormat},
	{name: "Raiffeisenbank INN letter inserted", value: "77440A00302", want: ident.ErrFormat},
	{name: "Raiffeisenbank INN letter replaces digit", value: "77440A0302", want: ident.ErrFormat},
	// FSSP of Russia
	{name: "FSSP of Russia INN valid", value: "7709576929", want: nil},
	{name: "FSSP of Russia INN check digit +1", value: "7709576920", want: ident.ErrCheckDigit},
	{name: "FSSP of Russia INN digit 2 changed", value: "7809576929", want: ident.ErrCheckDigit},
	{name: "FSSP of Russia INN digits 2 and 3 swapped", value: "7079576929", want: ident.ErrCheckDigit},
	{name: "FSSP of Russia INN too short", value: "770957692", want: ident.ErrFormat},
	{name: "FSSP of Russia INN too long", value: "77095769290", want: ident.ErrFormat},
	{name: "FSSP of Russia INN letter inserted", value: "77095A76929", want: ident.ErrFormat},
	{name: "FSSP of Russia INN letter replaces digit", value: "77095A6929", want: ident.ErrFormat},
	// Bank of Russia
	{name: "Bank of Russia INN valid", value: "7702235133", want: nil},
	{name: "Bank of Russia INN check digit +1", value: "7702235134", want: ident.ErrCheckDigit},
	{name: "Bank of Russia INN digit 2 changed", value: "7802235133", want: ident.ErrCheckDigit},
	{name: "Bank of Russia INN digits 2 and 3 swapped", value: "7072235133", want: ident.ErrCheckDigit},
	{name: "Bank of Russia INN too short", value: "770223513", want: ident.ErrFormat},
	{name: "Bank of Russia INN too long", value: "77022351330", want: ident.ErrFormat},
	{name: "Bank of Russia INN letter inserted", value: "77022A35133", want: ident.ErrFormat},
	{name: "Bank of Russia INN letter replaces digit", value: "77022A5133", want: ident.ErrFormat},
	// more real organisation INNs
	{name: "Gazprom INN valid", value: "7736050003", want: nil},
	{name: "Rosneft INN valid", value: "7706107510", want: nil},
	{name: "Yandex INN valid", value: "7736207543", want: nil},
	{name: "Lukoil INN valid", value: "7708004767", want: nil},
	{name: "Russian Railways INN valid", value: "7708503727", want: nil},
	{name: "Aeroflot INN valid", value: "7712040126", want: nil},
	{name: "MTS INN valid", value: "7740000076", want: nil},
	{name: "Rostelecom INN valid", value: "7707049388", want: nil},
	{name: "FNS of Russia INN valid", value: "7707329152", want: nil},
	{name: "Russian Post INN valid", value: "7724490000", want: nil},
	// synthetic 12-digit person INN
	{name: "person INN 7700… valid", value: "770000000082", want: nil},
	{name: "person INN 7700… check digit +1", value: "770000000083", want: ident.ErrCheckDigit},
	{name: "person INN 7700… digit 2 changed", value: "780000000082", want: ident.ErrCheckDigit},
	{name: "person INN 7700… digits 2 and 3 swapped", value: "707000000082", want: ident.ErrCheckDigit},
	{name: "person INN 7700… too short", value: "77000000008", want: ident.ErrFormat},
	{name: "person INN 7700… too long", value: "7700000000820", want: ident.ErrFormat},
	{name: "person INN 7700… letter inserted", value: "770000A000082", want: ident.ErrFormat},
	{name: "person INN 7700… letter replaces digit", value: "770000A00082", want: ident.ErrFormat},
	{name: "person INN 7700… check digit 11 +1", value: "770000000092", want: ident.ErrCheckDigit},
	// synthetic 12-digit person INN
	{name: "person INN 7707… valid", value: "770712345633", want: nil},
	{name: "person INN 7707… check digit +1", value: "770712345634", want: ident.ErrCheckDigit},
	{name: "person INN 7707… digit 2 changed", value: "780712345633", want: ident.ErrCheckDigit},
	{name: "person INN 7707… digits 2 and 3 swapped", value: "707712345633", want: ident.ErrCheckDigit},
	{name: "person INN 7707… too short", value: "77071234563", want: ident.ErrFormat},
	{name: "person INN 7707… too long", value: "7707123456330", want: ident.ErrFormat},
	{name: "person INN 7707… letter inserted", value: "770712A345633", want: ident.ErrFormat},
	{name: "person INN 7707… letter replaces digit", value: "770712A45633", want: ident.ErrFormat},
	{name: "person INN 7707… check digit 11 +1", value: "770712345643", want: ident.ErrCheckDigit},
	// synthetic 12-digit person INN
	{name: "person INN 7812… valid", value: "781234567870", want: nil},
	{name: "person INN 7812… check digit +1", value: "781234567871", want: ident.ErrCheckDigit},
	{name: "person INN 7812… digit 2 changed", value: "791234567870", want: ident.ErrCheckDigit},
	{name: "person INN 7812… digits 2 and 3 swapped", value: "718234567870", want: ident.ErrCheckDigit},
	{name: "person INN 7812… too short", value: "78123456787", want: ident.ErrFormat},
	{name: "person INN 7812… too long", value: "7812345678700", want: ident.ErrFormat},
	{name: "person INN 7812… letter inserted", value: "781234A567870", want: ident.ErrFormat},
	{name: "person INN 7812… letter replaces digit", value: "781234A67870", want: ident.ErrFormat},
	{name: "person INN 7812… check digit 11 +1", value: "781234567880", want: ident.ErrCheckDigit},
	// synthetic 12-digit person INN
	{name: "person INN 0101… valid", value: "010123456752", want: nil},
	{name: "person INN 0101… check digit +1", value: "010123456753", want: ident.ErrCheckDigit},
	{name: "person INN 0101… digit 2 changed", value: "020123456752", want: ident.ErrCheckDigit},
	{name: "person INN 0101… digits 2 and 3 swapped", value: "001123456752", want: ident.ErrCheckDigit},
	{name: "person INN 0101… too short", value: "01012345675", want: ident.ErrFormat},
	{name: "person INN 0101… too long", value: "0101234567520", want: ident.ErrFormat},
	{name: "person INN 0101… letter inserted", value: "010123A456752", want: ident.ErrFormat},
	{name: "person INN 0101… letter replaces digit", value: "010123A56752", want: ident.ErrFormat},
	{name: "person INN 0101… check digit 11 +1", value: "010123456762", want: ident.ErrCheckDigit},
	// other malformed values
	{name: "empty", value: "", want: ident.ErrFormat},
	{name: "spaces around", value: " 7707083893 ", want: ident.ErrFormat},
	{name: "dashes", value: "77-07-083893", want: ident.ErrFormat},
	{name: "11 digits", value: "77070838930", want: ident.ErrFormat},
	{name: "Cyrillic letter О instead of zero", value: "77О7083893", want: ident.ErrFormat},
	{name: "full-width digits", value: "７７０７０８３８９３", want: ident.ErrFormat},
	{name: "all zeros passes the checksum (placeholder, not rejected)", value: "0000000000", want: nil},
	{name: "minus sign", value: "-707083893", want: ident.ErrFormat},
}

var ogrnCases = []testCase{
	// Sberbank
	{name: "Sberbank OGRN valid", value: "1027700132195", want: nil},
	{name: "Sberbank OGRN check digit +1", value: "1027700132196", want: ident.ErrCheckDigit},
	{name: "Sberbank OGRN digit 4 changed", value: "1028700132195", want: ident.ErrCheckDigit},
	{name: "Sberbank OGRN digits 5 and 6 swapped", value: "1027070132195", want: ident.ErrCheckDigit},
	{name: "Sberbank OGRN too short", value: "102770013219", want: ident.ErrFormat},
	{name: "Sberbank OGRN too long", value: "10277001321950", want: ident.ErrFormat},
	{name: "Sberbank OGRN letter inserted", value: "102770A0132195", want: ident.ErrFormat},
	{name: "Sberbank OGRN letter replaces digit", value: "102770A132195", want: ident.ErrFormat},
	// VTB
	{name: "VTB OGRN valid", value: "1027739609391", want: nil},
	{name: "VTB OGRN check digit +1", value: "1027739609392", want: ident.ErrCheckDigit},
	{name: "VTB OGRN digit 4 changed", value: "1028739609391", want: ident.ErrCheckDigit},
	{name: "VTB OGRN digits 5 and 6 swapped", value: "1027379609391", want: ident.ErrCheckDigit},
	{name: "VTB OGRN too short", value: "102773960939", want: ident.ErrFormat},
	{name: "VTB OGRN too long", value: "10277396093910", want: ident.ErrFormat},
	{name: "VTB OGRN letter inserted", value: "102773A9609391", want: ident.ErrFormat},
	{name: "VTB OGRN letter replaces digit", value: "102773A609391", want: ident.ErrFormat},
	// Alfa-Bank
	{name: "Alfa-Bank OGRN valid", value: "1027700067328", want: nil},
	{name: "Alfa-Bank OGRN check digit +1", value: "1027700067329", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank OGRN digit 4 changed", value: "1028700067328", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank OGRN digits 5 and 6 swapped", value: "1027070067328", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank OGRN too short", value: "102770006732", want: ident.ErrFormat},
	{name: "Alfa-Bank OGRN too long", value: "10277000673280", want: ident.ErrFormat},
	{name: "Alfa-Bank OGRN letter inserted", value: "102770A0067328", want: ident.ErrFormat},
	{name: "Alfa-Bank OGRN letter replaces digit", value: "102770A067328", want: ident.ErrFormat},
	// Gazprombank
	{name: "Gazprombank OGRN valid", value: "1027700167110", want: nil},
	{name: "Gazprombank OGRN check digit +1", value: "1027700167111", want: ident.ErrCheckDigit},
	{name: "Gazprombank OGRN digit 5 changed", value: "1027800167110", want: ident.ErrCheckDigit},
	{name: "Gazprombank OGRN digits 5 and 6 swapped", value: "1027070167110", want: ident.ErrCheckDigit},
	{name: "Gazprombank OGRN too short", value: "102770016711", want: ident.ErrFormat},
	{name: "Gazprombank OGRN too long", value: "10277001671100", want: ident.ErrFormat},
	{name: "Gazprombank OGRN letter inserted", value: "102770A0167110", want: ident.ErrFormat},
	{name: "Gazprombank OGRN letter replaces digit", value: "102770A167110", want: ident.ErrFormat},
	// T-Bank
	{name: "T-Bank OGRN valid", value: "1027739642281", want: nil},
	{name: "T-Bank OGRN check digit +1", value: "1027739642282", want: ident.ErrCheckDigit},
	{name: "T-Bank OGRN digit 4 changed", value: "1028739642281", want: ident.ErrCheckDigit},
	{name: "T-Bank OGRN digits 5 and 6 swapped", value: "1027379642281", want: ident.ErrCheckDigit},
	{name: "T-Bank OGRN too short", value: "102773964228", want: ident.ErrFormat},
	{name: "T-Bank OGRN too long", value: "10277396422810", want: ident.ErrFormat},
	{name: "T-Bank OGRN letter inserted", value: "102773A9642281", want: ident.ErrFormat},
	{name: "T-Bank OGRN letter replaces digit", value: "102773A642281", want: ident.ErrFormat},
	// FSSP of Russia
	{name: "FSSP of Russia OGRN valid", value: "1047796859791", want: nil},
	{name: "FSSP of Russia OGRN check digit +1", value: "1047796859792", want: ident.ErrCheckDigit},
	{name: "FSSP of Russia OGRN digit 4 changed", value: "1048796859791", want: ident.ErrCheckDigit},
	{name: "FSSP of Russia OGRN digits 5 and 6 swapped", value: "1047976859791", want: ident.ErrCheckDigit},
	{name: "FSSP of Russia OGRN too short", value: "104779685979", want: ident.ErrFormat},
	{name: "FSSP of Russia OGRN too long", value: "10477968597910", want: ident.ErrFormat},
	{name: "FSSP of Russia OGRN letter inserted", value: "104779A6859791", want: ident.ErrFormat},
	{name: "FSSP of Russia OGRN letter replaces digit", value: "104779A859791", want: ident.ErrFormat},
	// Bank of Russia
	{name: "Bank of Russia OGRN valid", value: "1037700013020", want: nil},
	{name: "Bank of Russia OGRN check digit +1", value: "1037700013021", want: ident.ErrCheckDigit},
	{name: "Bank of Russia OGRN digit 4 changed", value: "1038700013020", want: ident.ErrCheckDigit},
	{name: "Bank of Russia OGRN digits 5 and 6 swapped", value: "1037070013020", want: ident.ErrCheckDigit},
	{name: "Bank of Russia OGRN too short", value: "103770001302", want: ident.ErrFormat},
	{name: "Bank of Russia OGRN too long", value: "10377000130200", want: ident.ErrFormat},
	{name: "Bank of Russia OGRN letter inserted", value: "103770A0013020", want: ident.ErrFormat},
	{name: "Bank of Russia OGRN letter replaces digit", value: "103770A013020", want: ident.ErrFormat},
	// more real OGRNs
	{name: "Raiffeisenbank OGRN valid", value: "1027739326449", want: nil},
	{name: "Gazprom OGRN valid", value: "1027700070518", want: nil},
	{name: "Rosneft OGRN valid", value: "1027700043502", want: nil},
	{name: "Yandex OGRN valid", value: "1027700229193", want: nil},
	{name: "Lukoil OGRN valid", value: "1027700035769", want: nil},
	{name: "Russian Railways OGRN valid", value: "1037739877295", want: nil},
	{name: "Aeroflot OGRN valid", value: "1027700092661", want: nil},
	{name: "MTS OGRN valid", value: "1027700149124", want: nil},
	{name: "Rostelecom OGRN valid", value: "1027700198767", want: nil},
	{name: "FNS of Russia OGRN valid", value: "1047707030513", want: nil},
	{name: "Russian Post OGRN valid", value: "1197746000000", want: nil},
	// other values
	{name: "empty", value: "", want: ident.ErrFormat},
	{name: "first digit 2 (a GRN, not an OGRN)", value: "2027700132195", want: ident.ErrFormat},
	{name: "first digit 3 (OGRNIP sign)", value: "3027700132195", want: ident.ErrFormat},
	{name: "first digit 5 (synthetic) valid", value: "5077746887312", want: nil},
	{name: "OGRNIP passed as OGRN", value: "304500116000157", want: ident.ErrFormat},
	{name: "spaces", value: "1027700 132195", want: ident.ErrFormat},
}

var ogrnipCases = []testCase{
	// synthetic OGRNIP
	{name: "OGRNIP 3045… valid", value: "304500116000157", want: nil},
	{name: "OGRNIP 3045… check digit +1", value: "304500116000158", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3045… digit 4 changed", value: "304600116000157", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3045… digits 4 and 5 swapped", value: "304050116000157", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3045… too short", value: "30450011600015", want: ident.ErrFormat},
	{name: "OGRNIP 3045… too long", value: "3045001160001570", want: ident.ErrFormat},
	{name: "OGRNIP 3045… letter inserted", value: "3045001A16000157", want: ident.ErrFormat},
	{name: "OGRNIP 3045… letter replaces digit", value: "3045001A6000157", want: ident.ErrFormat},
	// synthetic OGRNIP
	{name: "OGRNIP 3187… valid", value: "318774600123452", want: nil},
	{name: "OGRNIP 3187… check digit +1", value: "318774600123453", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3187… digit 5 changed", value: "318784600123452", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3187… digits 5 and 6 swapped", value: "318747600123452", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3187… too short", value: "31877460012345", want: ident.ErrFormat},
	{name: "OGRNIP 3187… too long", value: "3187746001234520", want: ident.ErrFormat},
	{name: "OGRNIP 3187… letter inserted", value: "3187746A00123452", want: ident.ErrFormat},
	{name: "OGRNIP 3187… letter replaces digit", value: "3187746A0123452", want: ident.ErrFormat},
	// synthetic OGRNIP
	{name: "OGRNIP 3215… valid", value: "321500000000002", want: nil},
	{name: "OGRNIP 3215… check digit +1", value: "321500000000003", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3215… digit 5 changed", value: "321510000000002", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3215… digits 4 and 5 swapped", value: "321050000000002", want: ident.ErrCheckDigit},
	{name: "OGRNIP 3215… too short", value: "32150000000000", want: ident.ErrFormat},
	{name: "OGRNIP 3215… too long", value: "3215000000000020", want: ident.ErrFormat},
	{name: "OGRNIP 3215… letter inserted", value: "3215000A00000002", want: ident.ErrFormat},
	{name: "OGRNIP 3215… letter replaces digit", value: "3215000A0000002", want: ident.ErrFormat},
	// other values
	{name: "empty", value: "", want: ident.ErrFormat},
	{name: "first digit 1", value: "104500116000157", want: ident.ErrFormat},
	{name: "OGRN passed as OGRNIP", value: "1027700132195", want: ident.ErrFormat},
	{name: "16 digits", value: "3045001160001570", want: ident.ErrFormat},
}

var snilsCases = []testCase{
	// PFR sample number
	{name: "SNILS 112-233-445 95 plain valid", value: "11223344595", want: nil},
	{name: "SNILS 112-233-445 95 plain check digit +1", value: "11223344596", want: ident.ErrCheckDigit},
	{name: "SNILS 112-233-445 95 plain digit 2 changed", value: "12223344595", want: ident.ErrCheckDigit},
	{name: "SNILS 112-233-445 95 plain digits 2 and 3 swapped", value: "12123344595", want: ident.ErrCheckDigit},
	{name: "SNILS 112-233-445 95 plain too short", value: "1122334459", want: ident.ErrFormat},
	{name: "SNILS 112-233-445 95 plain too long", value: "112233445950", want: ident.ErrFormat},
	{name: "SNILS 112-233-445 95 plain letter inserted", value: "11223A344595", want: ident.ErrFormat},
	{name: "SNILS 112-233-445 95 plain letter replaces digit", value: "11223A44595", want: ident.ErrFormat},
	// formatted spelling, check number edge cases (synthetic numbers)
	{name: "formatted PFR sample", value: "112-233-445 95", want: nil},
	{name: "formatted check number +1", value: "112-233-445 96", want: ident.ErrCheckDigit},
	{name: "formatted digit changed", value: "112-233-455 95", want: ident.ErrCheckDigit},
	{name: "formatted swapped pair", value: "121-233-445 95", want: ident.ErrCheckDigit},
	{name: "formatted without space", value: "112-233-44595", want: ident.ErrFormat},
	{name: "formatted with dash before check", value: "112-233-445-95", want: ident.ErrFormat},
	{name: "spaces only", value: "112 233 445 95", want: ident.ErrFormat},
	{name: "formatted letter", value: "112-2A3-445 95", want: ident.ErrFormat},
	{name: "formatted too short", value: "112-233-445 9", want: ident.ErrFormat},
	{name: "formatted too long", value: "112-233-445 950", want: ident.ErrFormat},
	{name: "dashes misplaced", value: "1122-33-445 95", want: ident.ErrFormat},
	{name: "empty", value: "", want: ident.ErrFormat},
	{name: "sum 99 gives 99", value: "00123957099", want: nil},
	{name: "sum 99 wrong", value: "00123957098", want: ident.ErrCheckDigit},
	{name: "sum 100 gives 00", value: "00132667900", want: nil},
	{name: "sum 100 check 10 wrong", value: "00132667910", want: ident.ErrCheckDigit},
	{name: "sum 101 gives 00", value: "00150881600", want: nil},
	{name: "sum 101 check 01 wrong", value: "00150881601", want: ident.ErrCheckDigit},
	{name: "sum 102 gives 01 (102 mod 101)", value: "00143754501", want: nil},
	{name: "sum 102 check 02 wrong", value: "00143754502", want: ident.ErrCheckDigit},
	{name: "sum 150 gives 49", value: "00289464149", want: nil},
	{name: "sum 201 gives 00 (201 mod 101 = 100)", value: "01799617400", want: nil},
	{name: "sum 201 check 99 wrong", value: "01799617499", want: ident.ErrCheckDigit},
	{name: "sum 302 gives 00", value: "18979887900", want: nil},
	{name: "sum 403 gives 00", value: "99999998900", want: nil},
	{name: "sum 405 gives 01", value: "99999999901", want: nil},
	{name: "sum 405 check 04 wrong", value: "99999999904", want: ident.ErrCheckDigit},
	{name: "number 001-001-998 not checked", value: "00100199800", want: nil},
	{name: "number 001-001-998 any check", value: "00100199877", want: nil},
	{name: "number 000-000-001 not checked", value: "00000000155", want: nil},
	{name: "number 001-001-999 checked", value: "00100199965", want: nil},
	{name: "number 001-001-999 wrong check", value: "00100199900", want: ident.ErrCheckDigit},
	{name: "formatted 001-001-999", value: "001-001-999 65", want: nil},
}

var bicCases = []testCase{
	{name: "Sberbank", value: "044525225", want: nil},
	{name: "VTB", value: "044525187", want: nil},
	{name: "Alfa-Bank", value: "044525593", want: nil},
	{name: "Gazprombank", value: "044525823", want: nil},
	{name: "T-Bank", value: "044525974", want: nil},
	{name: "Raiffeisenbank", value: "044525700", want: nil},
	{name: "Sberbank North-West", value: "044030653", want: nil},
	{name: "CBR example credit institution", value: "049805746", want: nil},
	{name: "CBR example RKC", value: "049805000", want: nil},
	{name: "Bank of Russia unit (digits 7-9 = 000)", value: "044525000", want: nil},
	{name: "UFK Moscow (treasury)", value: "004525988", want: nil},
	{name: "UFK Krasnodar (treasury)", value: "010349101", want: nil},
	{name: "UFK St Petersburg (treasury)", value: "014030106", want: nil},
	{name: "Interregional UFK (treasury)", value: "024501901", want: nil},
	{name: "prefix 03", value: "034525225", want: ident.ErrFormat},
	{name: "prefix 14", value: "144525225", want: ident.ErrFormat},
	{name: "prefix 05", value: "054525225", want: ident.ErrFormat},
	{name: "too short", value: "04452522", want: ident.ErrFormat},
	{name: "too long", value: "0445252250", want: ident.ErrFormat},
	{name: "letter", value: "04452522A", want: ident.ErrFormat},
	{name: "letter inserted", value: "0445A25225", want: ident.ErrFormat},
	{name: "empty", value: "", want: ident.ErrFormat},
	{name: "leading space", value: " 044525225", want: ident.ErrFormat},
	{name: "SWIFT BIC", value: "SABRRUMM", want: ident.ErrFormat},
	{name: "Cyrillic digit lookalike", value: "O44525225", want: ident.ErrFormat},
}

var accountCases = []testCase{
	// Sberbank corr. account
	{name: "Sberbank corr. account valid", value: "30101810400000000225", bic: "044525225", want: nil},
	{name: "Sberbank corr. account control key +1", value: "30101810500000000225", bic: "044525225", want: ident.ErrCheckDigit},
	{name: "Sberbank corr. account digit 10 changed", value: "30101810410000000225", bic: "044525225", want: ident.ErrCheckDigit},
	{name: "Sberbank corr. account digits 17 and 18 swapped", value: "30101810400000002025", bic: "044525225", want: ident.ErrCheckDigit},
	{name: "Sberbank corr. account too short", value: "3010181040000000022", bic: "044525225", want: ident.ErrFormat},
	{name: "Sberbank corr. account too long", value: "301018104000000002250", bic: "044525225", want: ident.ErrFormat},
	{name: "Sberbank corr. account letter inserted", value: "3010181040A0000000225", bic: "044525225", want: ident.ErrFormat},
	{name: "Sberbank corr. account letter replaces digit", value: "3010181040A000000225", bic: "044525225", want: ident.ErrFormat},
	// VTB corr. account
	{name: "VTB corr. account valid", value: "30101810700000000187", bic: "044525187", want: nil},
	{name: "VTB corr. account control key +1", value: "30101810800000000187", bic: "044525187", want: ident.ErrCheckDigit},
	{name: "VTB corr. account digit 10 changed", value: "30101810710000000187", bic: "044525187", want: ident.ErrCheckDigit},
	{name: "VTB corr. account digits 17 and 18 swapped", value: "30101810700000001087", bic: "044525187", want: ident.ErrCheckDigit},
	{name: "VTB corr. account too short", value: "3010181070000000018", bic: "044525187", want: ident.ErrFormat},
	{name: "VTB corr. account too long", value: "301018107000000001870", bic: "044525187", want: ident.ErrFormat},
	{name: "VTB corr. account letter inserted", value: "3010181070A0000000187", bic: "044525187", want: ident.ErrFormat},
	{name: "VTB corr. account letter replaces digit", value: "3010181070A000000187", bic: "044525187", want: ident.ErrFormat},
	// Alfa-Bank corr. account
	{name: "Alfa-Bank corr. account valid", value: "30101810200000000593", bic: "044525593", want: nil},
	{name: "Alfa-Bank corr. account control key +1", value: "30101810300000000593", bic: "044525593", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank corr. account digit 10 changed", value: "30101810210000000593", bic: "044525593", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank corr. account digits 18 and 19 swapped", value: "30101810200000000953", bic: "044525593", want: ident.ErrCheckDigit},
	{name: "Alfa-Bank corr. account too short", value: "3010181020000000059", bic: "044525593", want: ident.ErrFormat},
	{name: "Alfa-Bank corr. account too long", value: "301018102000000005930", bic: "044525593", want: ident.ErrFormat},
	{name: "Alfa-Bank corr. account letter inserted", value: "3010181020A0000000593", bic: "044525593", want: ident.ErrFormat},
	{name: "Alfa-Bank corr. account letter replaces digit", value: "3010181020A000000593", bic: "044525593", want: ident.ErrFormat},
	// Gazprombank corr. account
	{name: "Gazprombank corr. account valid", value: "30101810200000000823", bic: "044525823", want: nil},
	{name: "Gazprombank corr. account control key +1", value: "30101810300000000823", bic: "044525823", want: ident.ErrCheckDigit},
	{name: "Gazprombank corr. account digit 10 changed", value: "30101810210000000823", bic: "044525823", want: ident.ErrCheckDigit},
	{name: "Gazprombank corr. account digits 17 and 18 swapped", value: "30101810200000008023", bic: "044525823", want: ident.ErrCheckDigit},
	{name: "Gazprombank corr. account too short", value: "3010181020000000082", bic: "044525823", want: ident.ErrFormat},
	{name: "Gazprombank corr. account too long", value: "301018102000000008230", bic: "044525823", want: ident.ErrFormat},
	{name: "Gazprombank corr. account letter inserted", value: "3010181020A0000000823", bic: "044525823", want: ident.ErrFormat},
	{name: "Gazprombank corr. account letter replaces digit", value: "3010181020A000000823", bic: "044525823", want: ident.ErrFormat},
	// T-Bank corr. account
	{name: "T-Bank corr. account valid", value: "30101810145250000974", bic: "044525974", want: nil},
	{name: "T-Bank corr. account control key +1", value: "30101810245250000974", bic: "044525974", want: ident.ErrCheckDigit},
	{name: "T-Bank corr. account digit 10 changed", value: "30101810155250000974", bic: "044525974", want: ident.ErrCheckDigit},
	{name: "T-Bank corr. account digits 10 and 11 swapped", value: "30101810154250000974", bic: "044525974", want: ident.ErrCheckDigit},
	{name: "T-Bank corr. account too short", value: "3010181014525000097", bic: "044525974", want: ident.ErrFormat},
	{name: "T-Bank corr. account too long", value: "301018101452500009740", bic: "044525974", want: ident.ErrFormat},
	{name: "T-Bank corr. account letter inserted", value: "3010181014A5250000974", bic: "044525974", want: ident.ErrFormat},
	{name: "T-Bank corr. account letter replaces digit", value: "3010181014A250000974", bic: "044525974", want: ident.ErrFormat},
	// Raiffeisenbank corr. account
	{name: "Raiffeisenbank corr. account valid", value: "30101810200000000700", bic: "044525700", want: nil},
	{name: "Raiffeisenbank corr. account control key +1", value: "30101810300000000700", bic: "044525700", want: ident.ErrCheckDigit},
	{name: "Raiffeisenbank corr. account digit 10 changed", value: "30101810210000000700", bic: "044525700", want: ident.ErrCheckDigit},
	{name: "Raiffeisenbank corr. account digits 17 and 18 swapped", value: "30101810200000007000", bic: "044525700", want: ident.ErrCheckDigit},
	{name: "Raiffeisenbank corr. account too short", value: "3010181020000000070", bic: "044525700", want: ident.ErrFormat},
	{name: "Raiffeisenbank corr. account too long", value: "301018102000000007000", bic: "044525700", want: ident.ErrFormat},
	{name: "Raiffeisenbank corr. account letter inserted", value: "3010181020A0000000700", bic: "044525700", want: ident.ErrFormat},
	{name: "Raiffeisenbank corr. account letter replaces digit", value: "3010181020A000000700", bic: "044525700", want: ident.ErrFormat},
	// Sberbank North-West corr. account
	{name: "Sberbank North-West corr. account valid", value: "30101810500000000653", bic: "044030653", want: nil},
	{name: "Sberbank North-West corr. account control key +1", value: "30101810600000000653", bic: "044030653", want: ident.ErrCheckDigit},
	{name: "Sberbank North-West corr. account digit 10 changed", value: "30101810510000000653", bic: "044030653", want: ident.ErrCheckDigit},
	{name: "Sberbank North-West corr. account digits 17 and 18 swapped", value: "30101810500000006053", bic: "044030653", want: ident.ErrCheckDigit},
	{name: "Sberbank North-West corr. account too short", value: "3010181050000000065", bic: "044030653", want: ident.ErrFormat},
	{name: "Sberbank North-West corr. account too long", value: "301018105000000006530", bic: "044030653", want: ident.ErrFormat},
	{name: "Sberbank North-West corr. account letter inserted", value: "3010181050A0000000653", bic: "044030653", want: ident.ErrFormat},
	{name: "Sberbank North-West corr. account letter replaces digit", value: "3010181050A000000653", bic: "044030653", want: ident.ErrFormat},
	// CBR example: corr. account at RKC
	{name: "CBR example: corr. account at RKC valid", value: "30101810800000000746", bic: "049805000", want: nil},
	{name: "CBR example: corr. account at RKC control key +1", value: "30101810900000000746", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "CBR example: corr. account at RKC digit 10 changed", value: "30101810810000000746", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "CBR example: corr. account at RKC digits 17 and 18 swapped", value: "30101810800000007046", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "CBR example: corr. account at RKC too short", value: "3010181080000000074", bic: "049805000", want: ident.ErrFormat},
	{name: "CBR example: corr. account at RKC too long", value: "301018108000000007460", bic: "049805000", want: ident.ErrFormat},
	{name: "CBR example: corr. account at RKC letter inserted", value: "3010181080A0000000746", bic: "049805000", want: ident.ErrFormat},
	{name: "CBR example: corr. account at RKC letter replaces digit", value: "3010181080A000000746", bic: "049805000", want: ident.ErrFormat},
	// CBR example: client account at RKC
	{name: "CBR example: client account at RKC valid", value: "40102810100000010001", bic: "049805000", want: nil},
	{name: "CBR example: client account at RKC control key +1", value: "40102810200000010001", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "CBR example: client account at RKC digit 10 changed", value: "40102810110000010001", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "CBR example: client account at RKC digits 15 and 16 swapped", value: "40102810100000100001", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "CBR example: client account at RKC too short", value: "4010281010000001000", bic: "049805000", want: ident.ErrFormat},
	{name: "CBR example: client account at RKC too long", value: "401028101000000100010", bic: "049805000", want: ident.ErrFormat},
	{name: "CBR example: client account at RKC letter inserted", value: "4010281010A0000010001", bic: "049805000", want: ident.ErrFormat},
	{name: "CBR example: client account at RKC letter replaces digit", value: "4010281010A000010001", bic: "049805000", want: ident.ErrFormat},
	// CBR example: client account at credit institution
	{name: "CBR example: client account at credit institution valid", value: "40602810700000000025", bic: "049805746", want: nil},
	{name: "CBR example: client account at credit institution control key +1", value: "40602810800000000025", bic: "049805746", want: ident.ErrCheckDigit},
	{name: "CBR example: client account at credit institution digit 10 changed", value: "40602810710000000025", bic: "049805746", want: ident.ErrCheckDigit},
	{name: "CBR example: client account at credit institution digits 18 and 19 swapped", value: "40602810700000000205", bic: "049805746", want: ident.ErrCheckDigit},
	{name: "CBR example: client account at credit institution too short", value: "4060281070000000002", bic: "049805746", want: ident.ErrFormat},
	{name: "CBR example: client account at credit institution too long", value: "406028107000000000250", bic: "049805746", want: ident.ErrFormat},
	{name: "CBR example: client account at credit institution letter inserted", value: "4060281070A0000000025", bic: "049805746", want: ident.ErrFormat},
	{name: "CBR example: client account at credit institution letter replaces digit", value: "4060281070A000000025", bic: "049805746", want: ident.ErrFormat},
	// tutorial example: client account at bank with BIC 044514512
	{name: "tutorial example: client account at bank with BIC 044514512 valid", value: "40702810900000000025", bic: "044514512", want: nil},
	{name: "tutorial example: client account at bank with BIC 044514512 control key +1", value: "40702810000000000025", bic: "044514512", want: ident.ErrCheckDigit},
	{name: "tutorial example: client account at bank with BIC 044514512 digit 10 changed", value: "40702810910000000025", bic: "044514512", want: ident.ErrCheckDigit},
	{name: "tutorial example: client account at bank with BIC 044514512 digits 18 and 19 swapped", value: "40702810900000000205", bic: "044514512", want: ident.ErrCheckDigit},
	{name: "tutorial example: client account at bank with BIC 044514512 too short", value: "4070281090000000002", bic: "044514512", want: ident.ErrFormat},
	{name: "tutorial example: client account at bank with BIC 044514512 too long", value: "407028109000000000250", bic: "044514512", want: ident.ErrFormat},
	{name: "tutorial example: client account at bank with BIC 044514512 letter inserted", value: "4070281090A0000000025", bic: "044514512", want: ident.ErrFormat},
	{name: "tutorial example: client account at bank with BIC 044514512 letter replaces digit", value: "4070281090A000000025", bic: "044514512", want: ident.ErrFormat},
	// UFK Moscow single treasury account
	{name: "UFK Moscow single treasury account valid", value: "40102810545370000003", bic: "004525988", want: nil},
	{name: "UFK Moscow single treasury account control key +1", value: "40102810645370000003", bic: "004525988", want: ident.ErrCheckDigit},
	{name: "UFK Moscow single treasury account digit 10 changed", value: "40102810555370000003", bic: "004525988", want: ident.ErrCheckDigit},
	{name: "UFK Moscow single treasury account digits 10 and 11 swapped", value: "40102810554370000003", bic: "004525988", want: ident.ErrCheckDigit},
	{name: "UFK Moscow single treasury account too short", value: "4010281054537000000", bic: "004525988", want: ident.ErrFormat},
	{name: "UFK Moscow single treasury account too long", value: "401028105453700000030", bic: "004525988", want: ident.ErrFormat},
	{name: "UFK Moscow single treasury account letter inserted", value: "4010281054A5370000003", bic: "004525988", want: ident.ErrFormat},
	{name: "UFK Moscow single treasury account letter replaces digit", value: "4010281054A370000003", bic: "004525988", want: ident.ErrFormat},
	// UFK Krasnodar single treasury account
	{name: "UFK Krasnodar single treasury account valid", value: "40102810945370000010", bic: "010349101", want: nil},
	{name: "UFK Krasnodar single treasury account control key +1", value: "40102810045370000010", bic: "010349101", want: ident.ErrCheckDigit},
	{name: "UFK Krasnodar single treasury account digit 10 changed", value: "40102810955370000010", bic: "010349101", want: ident.ErrCheckDigit},
	{name: "UFK Krasnodar single treasury account digits 10 and 11 swapped", value: "40102810954370000010", bic: "010349101", want: ident.ErrCheckDigit},
	{name: "UFK Krasnodar single treasury account too short", value: "4010281094537000001", bic: "010349101", want: ident.ErrFormat},
	{name: "UFK Krasnodar single treasury account too long", value: "401028109453700000100", bic: "010349101", want: ident.ErrFormat},
	{name: "UFK Krasnodar single treasury account letter inserted", value: "4010281094A5370000010", bic: "010349101", want: ident.ErrFormat},
	{name: "UFK Krasnodar single treasury account letter replaces digit", value: "4010281094A370000010", bic: "010349101", want: ident.ErrFormat},
	// UFK St Petersburg single treasury account
	{name: "UFK St Petersburg single treasury account valid", value: "40102810945370000005", bic: "014030106", want: nil},
	{name: "UFK St Petersburg single treasury account control key +1", value: "40102810045370000005", bic: "014030106", want: ident.ErrCheckDigit},
	{name: "UFK St Petersburg single treasury account digit 10 changed", value: "40102810955370000005", bic: "014030106", want: ident.ErrCheckDigit},
	{name: "UFK St Petersburg single treasury account digits 10 and 11 swapped", value: "40102810954370000005", bic: "014030106", want: ident.ErrCheckDigit},
	{name: "UFK St Petersburg single treasury account too short", value: "4010281094537000000", bic: "014030106", want: ident.ErrFormat},
	{name: "UFK St Petersburg single treasury account too long", value: "401028109453700000050", bic: "014030106", want: ident.ErrFormat},
	{name: "UFK St Petersburg single treasury account letter inserted", value: "4010281094A5370000005", bic: "014030106", want: ident.ErrFormat},
	{name: "UFK St Petersburg single treasury account letter replaces digit", value: "4010281094A370000005", bic: "014030106", want: ident.ErrFormat},
	// Interregional UFK single treasury account
	{name: "Interregional UFK single treasury account valid", value: "40102810045370000002", bic: "024501901", want: nil},
	{name: "Interregional UFK single treasury account control key +1", value: "40102810145370000002", bic: "024501901", want: ident.ErrCheckDigit},
	{name: "Interregional UFK single treasury account digit 10 changed", value: "40102810055370000002", bic: "024501901", want: ident.ErrCheckDigit},
	{name: "Interregional UFK single treasury account digits 10 and 11 swapped", value: "40102810054370000002", bic: "024501901", want: ident.ErrCheckDigit},
	{name: "Interregional UFK single treasury account too short", value: "4010281004537000000", bic: "024501901", want: ident.ErrFormat},
	{name: "Interregional UFK single treasury account too long", value: "401028100453700000020", bic: "024501901", want: ident.ErrFormat},
	{name: "Interregional UFK single treasury account letter inserted", value: "4010281004A5370000002", bic: "024501901", want: ident.ErrFormat},
	{name: "Interregional UFK single treasury account letter replaces digit", value: "4010281004A370000002", bic: "024501901", want: ident.ErrFormat},
	// rule selection, treasury accounts and BIC errors
	{name: "treasury account UFK Moscow (no key)", value: "03212643000000017300", bic: "004525988", want: nil},
	{name: "treasury account UFK Moscow for taxes (no key)", value: "03100643000000017300", bic: "004525988", want: nil},
	{name: "treasury account any 9th digit (no key)", value: "03212643500000017300", bic: "004525988", want: nil},
	{name: "treasury account UFK Krasnodar (no key)", value: "03100643000000011800", bic: "010349101", want: nil},
	{name: "03 account with a bank BIC is keyed", value: "03212643000000017300", bic: "044525225", want: ident.ErrCheckDigit},
	{name: "brief example: Sberbank corr. account with BIC 044525225", value: "30101810400000000225", bic: "044525225", want: nil},
	{name: "corr. account with another Moscow bank BIC (same unit)", value: "30101810400000000225", bic: "044525187", want: nil},
	{name: "Sberbank corr. account with North-West BIC", value: "30101810400000000225", bic: "044030653", want: ident.ErrCheckDigit},
	{name: "client of Bank of Russia unit with BIC digits 7-9 = 001 (synthetic)", value: "40102810100000010001", bic: "049805001", want: nil},
	{name: "client of Bank of Russia unit with BIC digits 7-9 = 049 (synthetic)", value: "40702810200000000049", bic: "049805049", want: nil},
	{name: "BIC digits 7-9 = 049 keyed as credit institution is wrong (synthetic)", value: "40702810000000000049", bic: "049805049", want: ident.ErrCheckDigit},
	{name: "client of credit institution with BIC digits 7-9 = 051 (synthetic)", value: "40702810800000000051", bic: "049805051", want: nil},
	{name: "BIC digits 7-9 = 051 keyed as Bank of Russia unit is wrong (synthetic)", value: "40702810900000000051", bic: "049805051", want: ident.ErrCheckDigit},
	{name: "client account with wrong BIC", value: "40602810700000000025", bic: "049805747", want: ident.ErrCheckDigit},
	{name: "client account with RKC BIC of same unit", value: "40602810700000000025", bic: "049805000", want: ident.ErrCheckDigit},
	{name: "client account with treasury BIC", value: "40602810700000000025", bic: "004525988", want: ident.ErrCheckDigit},
	{name: "empty BIC", value: "30101810400000000225", want: ident.ErrFormat},
	{name: "short BIC", value: "30101810400000000225", bic: "04452522", want: ident.ErrFormat},
	{name: "BIC prefix 14", value: "30101810400000000225", bic: "144525225", want: ident.ErrFormat},
	{name: "BIC with letter", value: "30101810400000000225", bic: "04452522X", want: ident.ErrFormat},
	{name: "empty account", value: "", bic: "044525225", want: ident.ErrFormat},
	{name: "account with spaces", value: "30101 810 4 0000 0000225", bic: "044525225", want: ident.ErrFormat},
	{name: "account with Cyrillic letter", value: "30101810400000000225Б", bic: "044525225", want: ident.ErrFormat},
}

var vinCases = []testCase{
	{name: "Wikipedia sample VIN", value: "1M8GDM9AXKP042788", want: nil},
	{name: "common sample VIN", value: "1HGCM82633A004352", want: nil},
	{name: "synthetic Russian-built VIN", value: "XTA21703080123456", want: nil},
	{name: "9th character is not a North-American check digit", value: "WVWZZZ1JZ3W386752", want: nil},
	{name: "all digits", value: "12345678901234567", want: nil},
	{name: "contains I", value: "1M8GDM9AXKI042788", want: ident.ErrFormat},
	{name: "contains O", value: "1HGCM82633AO04352", want: ident.ErrFormat},
	{name: "contains Q", value: "Q1M8GDM9AXKP04278", want: ident.ErrFormat},
	{name: "lower case", value: "1m8gdm9axkp042788", want: ident.ErrFormat},
	{name: "one lower-case letter", value: "1M8GDM9AXkP042788", want: ident.ErrFormat},
	{name: "Cyrillic Х instead of Latin X", value: "ХTA21703080123456", want: ident.ErrFormat},
	{name: "too short", value: "1M8GDM9AXKP04278", want: ident.ErrFormat},
	{name: "too long", value: "1M8GDM9AXKP0427880", want: ident.ErrFormat},
	{name: "space inside", value: "1M8GDM9AX KP042788", want: ident.ErrFormat},
	{name: "hyphen inside", value: "1M8GDM9A-KP042788", want: ident.ErrFormat},
	{name: "trailing space", value: "1M8GDM9AXKP042788 ", want: ident.ErrFormat},
	{name: "empty", value: "", want: ident.ErrFormat},
}

var cadastralCases = []testCase{
	{name: "7-digit quarter", value: "77:01:0001001:1234", want: nil},
	{name: "6-digit quarter", value: "47:14:120200:814", want: nil},
	{name: "1-digit object number", value: "50:21:0000000:1", want: nil},
	{name: "7-digit object number", value: "77:05:0011007:1234567", want: nil},
	{name: "5-digit quarter", value: "77:01:00010:1234", want: ident.ErrFormat},
	{name: "8-digit quarter", value: "77:01:00010011:1234", want: ident.ErrFormat},
	{name: "8-digit object number", value: "77:01:0001001:12345678", want: ident.ErrFormat},
	{name: "empty object number", value: "77:01:0001001:", want: ident.ErrFormat},
	{name: "1-digit region", value: "7:01:0001001:1234", want: ident.ErrFormat},
	{name: "3-digit district", value: "77:001:0001001:1234", want: ident.ErrFormat},
	{name: "three groups", value: "77:01:0001001", want: ident.ErrFormat},
	{name: "five groups", value: "77:01:0001001:1234:5", want: ident.ErrFormat},
	{name: "dashes instead of colons", value: "77-01-0001001-1234", want: ident.ErrFormat},
	{name: "letter in quarter", value: "77:01:00010A1:1234", want: ident.ErrFormat},
	{name: "Cyrillic З instead of 3", value: "77:01:0001001:12З4", want: ident.ErrFormat},
	{name: "space after colon", value: "77: 01:0001001:1234", want: ident.ErrFormat},
	{name: "trailing colon", value: "77:01:0001001:1234:", want: ident.ErrFormat},
	{name: "colons only", value: ":::", want: ident.ErrFormat},
	{name: "empty", value: "", want: ident.ErrFormat},
}

var proceedingCases = []testCase{
	{name: "typical", value: "12345/24/77001-ИП", want: nil},
	{name: "1-digit sequence number", value: "1/23/50047-ИП", want: nil},
	{name: "8-digit sequence number", value: "12345678/21/78022-ИП", want: nil},
	{name: "Latin IP suffix", value: "12345/24/77001-IP", want: ident.ErrFormat},
	{name: "mixed Cyrillic И and Latin P", value: "12345/24/77001-ИP", want: ident.ErrFormat},
	{name: "lower-case suffix", value: "12345/24/77001-ип", want: ident.ErrFormat},
	{name: "missing dash", value: "12345/24/77001ИП", want: ident.ErrFormat},
	{name: "space instead of dash", value: "12345/24/77001 ИП", want: ident.ErrFormat},
	{name: "consolidated proceeding suffix", value: "12345/24/77001-СД", want: ident.ErrFormat},
	{name: "no suffix", value: "12345/24/77001", want: ident.ErrFormat},
	{name: "4-digit year", value: "12345/2024/77001-ИП", want: ident.ErrFormat},
	{name: "1-digit year", value: "12345/4/77001-ИП", want: ident.ErrFormat},
	{name: "9-digit sequence number", value: "123456789/24/77001-ИП", want: ident.ErrFormat},
	{name: "empty sequence number", value: "/24/77001-ИП", want: ident.ErrFormat},
	{name: "4-digit department", value: "12345/24/7700-ИП", want: ident.ErrFormat},
	{name: "6-digit department", value: "12345/24/770011-ИП", want: ident.ErrFormat},
	{name: "dashes instead of slashes", value: "12345-24-77001-ИП", want: ident.ErrFormat},
	{name: "four groups", value: "12345/24/77001/1-ИП", want: ident.ErrFormat},
	{name: "letter in department", value: "12345/24/77OO1-ИП", want: ident.ErrFormat},
	{name: "trailing space", value: "12345/24/77001-ИП ", want: ident.ErrFormat},
	{name: "suffix only", value: "-ИП", want: ident.ErrFormat},
	{name: "empty", value: "", want: ident.ErrFormat},
}

// checkers maps every kind to its dedicated function, so that each table is
// run both through that function and through Check.
var checkers = map[ident.Kind]func(value, bic string) error{
	ident.INN:        func(v, _ string) error { return ident.CheckINN(v) },
	ident.OGRN:       func(v, _ string) error { return ident.CheckOGRN(v) },
	ident.OGRNIP:     func(v, _ string) error { return ident.CheckOGRNIP(v) },
	ident.SNILS:      func(v, _ string) error { return ident.CheckSNILS(v) },
	ident.BIC:        func(v, _ string) error { return ident.CheckBIC(v) },
	ident.Account:    ident.CheckAccount,
	ident.VIN:        func(v, _ string) error { return ident.CheckVIN(v) },
	ident.Cadastral:  func(v, _ string) error { return ident.CheckCadastral(v) },
	ident.Proceeding: func(v, _ string) error { return ident.CheckProceeding(v) },
}

func runCases(t *testing.T, k ident.Kind, cases []testCase) {
	t.Helper()
	check := checkers[k]
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.value, tc.bic)
			assertResult(t, k, tc, err)
			if err2 := ident.Check(k, tc.value, tc.bic); fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Errorf("Check(%q) = %v, dedicated function returned %v", k, err2, err)
			}
		})
	}
}

func assertResult(t *testing.T, k ident.Kind, tc testCase, err error) {
	t.Helper()
	if tc.want == nil {
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, tc.want) {
		t.Fatalf("got error %v, want one wrapping %v", err, tc.want)
	}
	for _, other := range []error{ident.ErrFormat, ident.ErrCheckDigit, ident.ErrUnknownKind} {
		if other != tc.want && errors.Is(err, other) {
			t.Errorf("error %v also wraps %v", err, other)
		}
	}
	var e *ident.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not *ident.Error", err)
	}
	if e.Kind != k || e.Err != tc.want || e.Reason == "" {
		t.Errorf("got Error{Kind: %q, Reason: %q, Err: %v}, want Kind %q and Err %v", e.Kind, e.Reason, e.Err, k, tc.want)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, string(k)+": ") {
		t.Errorf("message %q does not start with %q", msg, string(k)+": ")
	}
	if len(tc.value) >= 5 && strings.Contains(err.Error(), tc.value) {
		t.Errorf("message %q contains the checked value", err.Error())
	}
}

func TestCheckINN(t *testing.T)        { runCases(t, ident.INN, innCases) }
func TestCheckOGRN(t *testing.T)       { runCases(t, ident.OGRN, ogrnCases) }
func TestCheckOGRNIP(t *testing.T)     { runCases(t, ident.OGRNIP, ogrnipCases) }
func TestCheckSNILS(t *testing.T)      { runCases(t, ident.SNILS, snilsCases) }
func TestCheckBIC(t *testing.T)        { runCases(t, ident.BIC, bicCases) }
func TestCheckAccount(t *testing.T)    { runCases(t, ident.Account, accountCases) }
func TestCheckVIN(t *testing.T)        { runCases(t, ident.VIN, vinCases) }
func TestCheckCadastral(t *testing.T)  { runCases(t, ident.Cadastral, cadastralCases) }
func TestCheckProceeding(t *testing.T) { runCases(t, ident.Proceeding, proceedingCases) }

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "INN 10 check digit", err: ident.CheckINN("7707083894"), want: "inn: check digit 10 is 4, expected 3"},
		{name: "INN 12 check digit 12", err: ident.CheckINN("770000000080"), want: "inn: check digit 12 is 0, expected 2"},
		{name: "INN 12 check digit 11", err: ident.CheckINN("770000000092"), want: "inn: check digit 11 is 9, expected 8"},
		{name: "INN length", err: ident.CheckINN("77070838930"), want: "inn: length 11, expected 10 or 12"},
		{name: "INN non-digit after Cyrillic", err: ident.CheckINN("ИНН7707083893"), want: "inn: character 1 is not a digit"},
		{name: "INN non-digit position in characters", err: ident.CheckINN("7707083893Ж"), want: "inn: character 11 is not a digit"},
		{name: "OGRN check digit", err: ident.CheckOGRN("1027700132196"), want: "ogrn: check digit 13 is 6, expected 5"},
		{name: "OGRN sign", err: ident.CheckOGRN("2027700132195"), want: "ogrn: first digit must be 1 or 5"},
		{name: "OGRNIP check digit", err: ident.CheckOGRNIP("304500116000158"), want: "ogrnip: check digit 15 is 8, expected 7"},
		{name: "SNILS check number", err: ident.CheckSNILS("112-233-445 96"), want: "snils: check number is 96, expected 95"},
		{name: "SNILS check number 00", err: ident.CheckSNILS("01799617499"), want: "snils: check number is 99, expected 00"},
		{name: "SNILS bad spelling", err: ident.CheckSNILS("112 233 445 95"), want: "snils: expected 11 digits or the form DDD-DDD-DDD DD"},
		{name: "BIC prefix", err: ident.CheckBIC("144525225"), want: "bic: must start with 04 (credit institutions and Bank of Russia units) or 00, 01, 02 (Federal Treasury bodies)"},
		{name: "account key at credit institution", err: ident.CheckAccount("40602810800000000025", "049805746"),
			want: "account: control key (digit 9) is 8, expected 7 with the credit institution number (BIC digits 7-9)"},
		{name: "account key at Bank of Russia", err: ident.CheckAccount("30101810500000000225", "044525225"),
			want: "account: control key (digit 9) is 5, expected 4 with the Bank of Russia unit number (0 and BIC digits 5-6)"},
		{name: "account BIC", err: ident.CheckAccount("30101810400000000225", "04452522"), want: "account: bic: length 8, expected 9"},
		{name: "account BIC missing", err: ident.CheckAccount("30101810400000000225", ""), want: "account: bic: required to verify the control key"},
		{name: "VIN letter", err: ident.CheckVIN("1M8GDM9AXKI042788"), want: "vin: character 11 is I, O or Q, which are not used in VINs"},
		{name: "VIN length", err: ident.CheckVIN("1M8GDM9AXKP04278"), want: "vin: length 16, expected 17"},
		{name: "cadastral groups", err: ident.CheckCadastral("77:01:0001001"), want: "cadastral: expected 4 groups separated by ':', got 3"},
		{name: "cadastral quarter", err: ident.CheckCadastral("77:01:00010:1234"), want: "cadastral: group 3 (cadastral quarter) has 5 digits, expected 6 or 7"},
		{name: "cadastral object number", err: ident.CheckCadastral("77:01:0001001:12345678"), want: "cadastral: group 4 (object number) has 8 digits, expected 1 to 7"},
		{name: "proceeding suffix", err: ident.CheckProceeding("12345/24/77001-IP"), want: `proceeding: must end with "-ИП" (Cyrillic И and П)`},
		{name: "proceeding dash", err: ident.CheckProceeding("12345/24/77001ИП"), want: `proceeding: missing "-" before the suffix "ИП"`},
		{name: "proceeding year", err: ident.CheckProceeding("12345/2024/77001-ИП"), want: "proceeding: group 2 (year) has 4 digits, expected 2"},
		{name: "unknown kind", err: ident.Check("passport", "4509 123456", ""), want: `ident: unknown kind "passport"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatalf("got nil error, want %q", tt.want)
			}
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	want := []ident.Kind{ident.INN, ident.OGRN, ident.OGRNIP, ident.SNILS, ident.BIC, ident.Account, ident.VIN, ident.Cadastral, ident.Proceeding}
	got := ident.Kinds()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Kinds() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if ident.Kinds()[0] != ident.INN {
		t.Error("Kinds() returns a shared slice")
	}
	for _, k := range want {
		if _, ok := checkers[k]; !ok {
			t.Errorf("kind %q has no test checker", k)
		}
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ident.Kind
		err  error
	}{
		{name: "lower case", in: "inn", want: ident.INN},
		{name: "upper case", in: "OGRNIP", want: ident.OGRNIP},
		{name: "mixed case", in: "Cadastral", want: ident.Cadastral},
		{name: "proceeding", in: "PROCEEDING", want: ident.Proceeding},
		{name: "account", in: "Account", want: ident.Account},
		{name: "unknown", in: "passport", err: ident.ErrUnknownKind},
		{name: "empty", in: "", err: ident.ErrUnknownKind},
		{name: "surrounding space", in: " inn", err: ident.ErrUnknownKind},
		{name: "prefix of a kind", in: "ogr", err: ident.ErrUnknownKind},
		{name: "Cyrillic", in: "инн", err: ident.ErrUnknownKind},
		{name: "long name", in: strings.Repeat("я", 1000), err: ident.ErrUnknownKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ident.ParseKind(tt.in)
			if tt.err == nil {
				if err != nil || got != tt.want {
					t.Fatalf("ParseKind(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
				}
				return
			}
			if got != "" || !errors.Is(err, tt.err) {
				t.Fatalf("ParseKind(%q) = %q, %v; want \"\", error wrapping %v", tt.in, got, err, tt.err)
			}
			var e *ident.Error
			if !errors.As(err, &e) || e.Kind != "" {
				t.Errorf("error %#v is not an *ident.Error with an empty Kind", err)
			}
			if len(err.Error()) > 100 {
				t.Errorf("message is %d bytes long", len(err.Error()))
			}
		})
	}
	for _, k := range ident.Kinds() {
		if got, err := ident.ParseKind(strings.ToUpper(string(k))); err != nil || got != k {
			t.Errorf("ParseKind(upper %q) = %q, %v", k, got, err)
		}
	}
}

func TestCheckUnknownKind(t *testing.T) {
	for _, k := range []ident.Kind{"", "INN", "passport", ident.Kind(strings.Repeat("x", 10000))} {
		err := ident.Check(k, "7707083893", "")
		if !errors.Is(err, ident.ErrUnknownKind) {
			t.Errorf("Check(%.20q) = %v, want ErrUnknownKind", k, err)
		}
		if err != nil && strings.Contains(err.Error(), "7707083893") {
			t.Errorf("message %q contains the value", err.Error())
		}
	}
}

func TestErrorNil(t *testing.T) {
	var e *ident.Error
	if e.Error() != "<nil>" || e.Unwrap() != nil {
		t.Errorf("nil *Error: Error() = %q, Unwrap() = %v", e.Error(), e.Unwrap())
	}
}

// TestHostileInput feeds every kind values that must be rejected without a
// panic: huge, non-ASCII, invalid UTF-8 and control characters.
func TestHostileInput(t *testing.T) {
	inputs := map[string]string{
		"huge digits":      strings.Repeat("7", 1<<20),
		"huge mixed":       strings.Repeat("77:01/-ИП ", 1<<16),
		"invalid UTF-8":    "\xff\xfe7707083893",
		"truncated UTF-8":  "770708389\xd0",
		"NUL bytes":        "7707\x00083893",
		"only separators":  "---::://  ",
		"Cyrillic":         "ИНН семь семь",
		"emoji":            "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂",
		"suffix in middle": "-ИП12345/24/77001",
	}
	for name, in := range inputs {
		for _, k := range ident.Kinds() {
			t.Run(name+"/"+string(k), func(t *testing.T) {
				err := ident.Check(k, in, in)
				if !errors.Is(err, ident.ErrFormat) {
					t.Fatalf("got %v, want ErrFormat", err)
				}
				if len(err.Error()) > 200 {
					t.Errorf("message is %d bytes long", len(err.Error()))
				}
			})
		}
	}
}

func ExampleCheck() {
	fmt.Println(ident.Check(ident.INN, "7707083893", ""))
	fmt.Println(ident.Check(ident.Account, "30101810400000000225", "044525225"))
	fmt.Println(ident.Check(ident.Proceeding, "12345/24/77001-ИП", ""))
	fmt.Println(ident.Check(ident.OGRN, "1027700132196", ""))
	fmt.Println(ident.Check(ident.VIN, "1M8GDM9AXKO042788", ""))
	// Output:
	// <nil>
	// <nil>
	// <nil>
	// ogrn: check digit 13 is 6, expected 5
	// vin: character 11 is I, O or Q, which are not used in VINs
}

func ExampleCheckINN() {
	err := ident.CheckINN("7707083894")
	fmt.Println(err)
	fmt.Println(errors.Is(err, ident.ErrCheckDigit), errors.Is(err, ident.ErrFormat))
	// Output:
	// inn: check digit 10 is 4, expected 3
	// true false
}

func ExampleCheckAccount() {
	// A correspondent account is held at the Bank of Russia and keyed with
	// the unit number; a client account is keyed with the bank's number.
	fmt.Println(ident.CheckAccount("30101810400000000225", "044525225"))
	fmt.Println(ident.CheckAccount("40602810700000000025", "049805746"))
	fmt.Println(ident.CheckAccount("40602810700000000025", "049805747"))
	// Output:
	// <nil>
	// <nil>
	// account: control key (digit 9) is 7, expected 6 with the credit institution number (BIC digits 7-9)
}

func ExampleParseKind() {
	k, err := ident.ParseKind("SNILS")
	fmt.Println(k, err)
	fmt.Println(ident.Check(k, "112-233-445 95", ""))
	_, err = ident.ParseKind("passport")
	fmt.Println(errors.Is(err, ident.ErrUnknownKind))
	// Output:
	// snils <nil>
	// <nil>
	// true
}

func ExampleError() {
	err := ident.CheckSNILS("112-233-445 96")
	var e *ident.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Err == ident.ErrCheckDigit, e.Reason)
	}
	// Output:
	// snils true check number is 96, expected 95
}
