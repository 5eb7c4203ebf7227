// Command mdebot is a Slack bot that runs Microsoft Defender for Endpoint from Slack: look-ups,
// response actions behind four-eyes approval, and alert notifications, deduplicated in Redis.
//
// Usage:
//
//	mdebot [run]        run the bot (configuration from the environment; see README.md)
//	mdebot check        check the configuration, the Entra token, the MDE API and Redis
//	mdebot demo         run the bot against in-process fakes of Slack, MDE and Entra
//	mdebot manifest     print the Slack app manifest
//	mdebot healthcheck  ask a running bot's /healthz (MDEBOT_HTTP_ADDR); exit 0 if it answers 200
//	mdebot version      print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sethvargo/go-envconfig"
)

func main() {
	if err := run(context.Background(), os.Args, envconfig.OsLookuper(), os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "mdebot:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Usage: mdebot [command]

Commands:
  run          run the bot (the default); configuration comes from the environment
  check        check the configuration, the Entra token, the MDE API and Redis, then exit
  demo         run the bot against in-process fakes of Slack, MDE and Entra, and show a session
  manifest     print the Slack app manifest (YAML) to create the app with
  healthcheck  ask the running bot's /healthz on MDEBOT_HTTP_ADDR's port; exit 0 if healthy
  version      print the version
`

// run is the whole program; tests call it with their own environment and output.
func run(ctx context.Context, args []string, lookup envconfig.Lookuper, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("mdebot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	cmd := "run"
	if fs.NArg() > 0 {
		cmd = fs.Arg(0)
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "mdebot %s takes no arguments\n", cmd)
		return errUsage
	}
	switch cmd {
	case "run":
		return runBot(ctx, lookup, stderr, seams{})
	case "check":
		return runCheck(ctx, lookup, stdout, seams{})
	case "demo":
		return runDemo(ctx, stdout, stderr)
	case "manifest":
		_, err := io.WriteString(stdout, manifest)
		return err
	case "healthcheck":
		return runHealthcheck(ctx, lookup, stdout)
	case "version":
		_, err := fmt.Fprintln(stdout, "mdebot", versionString())
		return err
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "mdebot: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
