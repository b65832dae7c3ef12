// Command kubectl-eds is the kubectl plugin of eventstack-operator. Installed
// on the PATH (make install-plugin), it runs as kubectl eds: render a stack
// offline, print where a stack stands, send test events to its bus. The
// commands are in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/eventstack-io/eventstack-operator/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
