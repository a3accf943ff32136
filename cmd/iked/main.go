// Command iked is the IKE key-management daemon (see man/iked.8).
package main

import (
	"fmt"
	"os"

	"github.com/racoon2go/iked/internal/version"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-V" {
		fmt.Println("iked", version.Version)
		return
	}
	fmt.Fprintln(os.Stderr, "iked: the daemon shell is being built; see the issues")
	os.Exit(1)
}
