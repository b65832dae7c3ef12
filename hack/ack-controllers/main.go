// Command ack-controllers builds the six released ACK service controllers the
// operator is proven against (make ack-controllers), cached by tag, and prints
// each one's release and binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/eventstack-io/eventstack-operator/internal/ackcontrollers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bins, err := ackcontrollers.Binaries(ctx, os.Stderr)
	if errors.Is(err, ackcontrollers.ErrNoSource) {
		// The tier that runs them (test/released) skips itself and says so.
		fmt.Fprintln(os.Stderr, "ack-controllers: not built:", err)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ack-controllers:", err)
		os.Exit(1)
	}
	for _, r := range ackcontrollers.Releases() {
		fmt.Printf("%-22s %-8s %s\n", r.Controller, r.Version, bins[r])
	}
}
