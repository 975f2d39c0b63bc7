package gost

import "crypto/rand"

var randReader = rand.Reader
