// Package adapters will be the agency side of the hub: a Go client that
// signs every call, long-polls for requests and responses and acknowledges
// them, a handler interface that an agency's logic implements, and the
// simulated agencies, webhook bridge and file-exchange bridge built on it.
package adapters
