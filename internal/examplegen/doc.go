// Command examplegen writes the example envelopes of schemas/examples. See
// main.go; `make examples` runs it.
package main
