package dataset

import (
	"encoding/json"
	"io"
)

// Write writes d to w as indented JSON (two spaces), one object with the
// fields of DataSet, followed by a newline. Characters such as «, » and &
// are written as they are, not escaped. It returns the first error of
// encoding or writing.
func Write(w io.Writer, d *DataSet) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}
