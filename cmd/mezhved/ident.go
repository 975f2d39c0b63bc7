package main

import (
	"fmt"
	"io"

	"mezhved/schemas/ident"
)

func runIdent(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved ident", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved ident KIND VALUE [BIC]\n\nKIND is one of inn, ogrn, ogrnip, snils, bic, account, vin, cadastral, proceeding; an account\nneeds the BIC of its bank. Exits 0 when VALUE is valid, 1 with the reason on stderr otherwise.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a := fs.Args()
	if len(a) < 2 || len(a) > 3 {
		fs.Usage()
		return errUsage
	}
	kind, err := ident.ParseKind(a[0])
	if err != nil {
		fmt.Fprintln(stderr, err)
		fs.Usage()
		return errUsage
	}
	bic := ""
	if len(a) == 3 {
		bic = a[2]
	}
	if kind == ident.Account && bic == "" {
		fmt.Fprintln(stderr, "mezhved ident: an account needs the BIC of its bank: mezhved ident account NUMBER BIC")
		return errUsage
	}
	if kind != ident.Account && bic != "" {
		fmt.Fprintln(stderr, "mezhved ident: only an account takes a BIC")
		return errUsage
	}
	if err := ident.Check(kind, a[1], bic); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError{1}
	}
	return nil
}
