// Command stint is the stint server and CLI in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := cli.NewRoot(cli.Options{
		Serve:          app.Serve,
		CreateToken:    app.CreateToken,
		ValidateConfig: app.ValidateConfig,
	})
	code := cli.Execute(ctx, root, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
