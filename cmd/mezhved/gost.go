//go:build gost

package main

// The GOST provider (GPL-3.0 code) is built in only with the build tag gost.
import _ "mezhved/exchange/dsig/gost"
