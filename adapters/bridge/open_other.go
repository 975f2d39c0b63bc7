//go:build !unix

package bridge

// openNoFollow is empty where the system has no O_NOFOLLOW: there the
// Lstat before the rename into done and the Stat of the open file are the
// only guards.
const openNoFollow = 0
