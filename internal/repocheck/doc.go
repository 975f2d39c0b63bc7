// Package repocheck holds tests of the repository's own consistency: that
// what the Makefile and the README list matches what the code has. It has
// no code of its own.
package repocheck
