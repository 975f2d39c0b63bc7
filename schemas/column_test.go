package schemas

import "testing"

// TestRuneColumn: the validator counts a line's bytes; positions are
// reported in characters, as the parser reports its own.
func TestRuneColumn(t *testing.T) {
	doc := []byte("<a>\n<b>Суд</b><c/>\n</a>")
	for _, tc := range []struct{ line, col, want int }{
		{2, 15, 12}, // <c/> after "<b>Суд</b>": 14 bytes, 11 characters before it
		{1, 1, 1},
		{2, 1, 1},
		{3, 3, 3},
		{9, 4, 4}, // no such line: left as it was
		{0, 5, 5},
		{2, 99, 15}, // past the line's end: its characters, plus one
	} {
		if got := runeColumn(doc, tc.line, tc.col); got != tc.want {
			t.Errorf("runeColumn(line %d, byte column %d) = %d, want %d", tc.line, tc.col, got, tc.want)
		}
	}
}
