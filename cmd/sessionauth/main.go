// Command sessionauth runs the sessionauth server and administers its users, sessions and tokens.
//
//	sessionauth serve                    run the server (SQLite in ./sessionauth.db by default)
//	sessionauth createuser --username U  create a user
//	sessionauth help                     list every command
//
// Every flag has an environment twin, SESSIONAUTH_<FLAG>. Exit codes: 0 success, 1 failure,
// 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

const topUsage = `sessionauth — server-side login sessions for Go, the DRF SessionAuthentication way.

Usage: sessionauth <command> [flags]

Commands:
  serve                  run the HTTP server
  createuser             create a user
  changepassword USER    set a user's password
  users list             list users
  users deactivate USER  deactivate a user (ends their sessions and deletes their tokens)
  users activate USER    activate a user
  sessions list          list sessions (--user U for one user)
  sessions revoke ID     end one session (ID from sessions list)
  sessions revoke --user U   end every session of a user
  clearsessions          delete expired sessions
  tokens create          create an API token (--user U --name N); the key is shown once
  tokens list            list API tokens (--user U for one user)
  tokens revoke ID       delete an API token
  version                print the version

Run "sessionauth <command> --help" for a command's flags.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line; it is main without the process, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	a := &admin{stdin: stdin, stdout: stdout, stderr: stderr}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "createuser":
		return a.createUser(ctx, rest)
	case "changepassword":
		return a.changePassword(ctx, rest)
	case "users":
		return a.sub(ctx, "users", rest, map[string]func(context.Context, []string) int{
			"list": a.usersList, "deactivate": a.usersDeactivate, "activate": a.usersActivate,
		})
	case "sessions":
		return a.sub(ctx, "sessions", rest, map[string]func(context.Context, []string) int{
			"list": a.sessionsList, "revoke": a.sessionsRevoke,
		})
	case "clearsessions":
		return a.clearSessions(ctx, rest)
	case "tokens":
		return a.sub(ctx, "tokens", rest, map[string]func(context.Context, []string) int{
			"create": a.tokensCreate, "list": a.tokensList, "revoke": a.tokensRevoke,
		})
	case "version", "--version", "-version":
		if len(rest) > 0 {
			if rest[0] == "--help" || rest[0] == "-help" || rest[0] == "-h" || rest[0] == "help" {
				fmt.Fprint(stdout, "Usage: sessionauth version\n\nPrint the version of sessionauth and of Go it was built with.\n")
				return 0
			}
			fmt.Fprintln(stderr, "sessionauth: version takes no arguments")
			return 2
		}
		fmt.Fprintln(stdout, "sessionauth", versionString(), runtime.Version())
		return 0
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, topUsage)
		return 0
	}
	fmt.Fprintf(stderr, "sessionauth: unknown command %q\n\n%s", cmd, topUsage)
	return 2
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// usageFor prints a command's synopsis and its flags.
func usageFor(fs *flagSet, synopsis, what string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: sessionauth %s [flags]\n\n%s\n\nFlags:\n", synopsis, what)
		fs.PrintDefaults()
	}
}

// parseFlags parses args, allowing flags after positional arguments ("changepassword bob
// --password-stdin"). It reports (exit code, true) when the command must stop: 0 after --help, 2 on
// a usage error.
func parseFlags(fs *flagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	fs.SetOutput(stderr)
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout) // asked-for help goes to stdout
		}
	}
	if err := fs.applyEnv(); err != nil {
		fmt.Fprintln(stderr, "sessionauth:", err)
		return 2, true
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0, true
			}
			return 2, true // the flag package printed the error and the usage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	fs.positional = positional
	fs.commandLineWins()
	return 0, false
}

// oneLine renders err on one line: drivers join the reasons of several connection attempts with
// newlines, and a fatal error must stay one line for the operator (and for log collectors).
func oneLine(err error) string {
	fields := strings.FieldsFunc(err.Error(), func(r rune) bool { return r == '\n' || r == '\r' })
	for i, f := range fields {
		fields[i] = strings.TrimSpace(f)
	}
	return strings.Join(fields, "; ")
}
