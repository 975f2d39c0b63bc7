package dsig

import "errors"

// ErrTransform is returned when a transform cannot be computed (an undeclared
// prefix, nesting beyond the transform's own limit).
var ErrTransform = errors.New("dsig: transform failed")
