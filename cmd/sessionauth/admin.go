package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// admin runs the administrative commands against the database, as Django's manage.py commands do.
type admin struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// sub dispatches "users list", "sessions revoke", …
func (a *admin) sub(ctx context.Context, group string, args []string, cmds map[string]func(context.Context, []string) int) int {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
		fmt.Fprintf(a.stdout, "Usage: sessionauth %s <%s> [flags]\n", group, strings.Join(keys(cmds), "|"))
		return 0
	}
	if len(args) == 0 || cmds[args[0]] == nil {
		fmt.Fprintf(a.stderr, "Usage: sessionauth %s <%s> [flags]\n", group, strings.Join(keys(cmds), "|"))
		return 2
	}
	return cmds[args[0]](ctx, args[1:])
}

func keys(m map[string]func(context.Context, []string) int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (a *admin) fail(err error) int {
	fmt.Fprintln(a.stderr, "sessionauth:", oneLine(err))
	return 1
}

func (a *admin) usage(fs *flagSet, msg string) int {
	fmt.Fprintln(a.stderr, "sessionauth:", msg)
	fs.Usage()
	return 2
}

// flags prepares a command's flag set with the database flags.
func (a *admin) flags(name, synopsis, what string) *flagSet {
	fs := newFlagSet(name)
	fs.databaseFlags()
	fs.Usage = usageFor(fs, synopsis, what)
	return fs
}

// touchesSessions names the commands that list or end sessions (changing a password or deactivating
// a user ends the user's sessions).
var touchesSessions = map[string]bool{
	"changepassword": true, "users deactivate": true, "users activate": true,
	"sessions list": true, "sessions revoke": true, "clearsessions": true,
}

// open connects to the stores and returns an auth.Manager for administrative work (it never logs
// anyone in, so it needs no secret key of its own).
//
// Only createuser may create a SQLite database (to prepare users before the first serve); any other
// command pointed at a missing file is a typo, not a request for an empty database.
func (a *admin) open(ctx context.Context, fs *flagSet) (*stores, *auth.Manager, error) {
	sc := fs.storeConfig()
	if kind, path, err := databaseKind(sc.Database); err == nil && kind == "sqlite" && fs.Name() != "createuser" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("no database at --database %q (serve or createuser creates it)", path)
		}
	}
	st, err := openStores(ctx, sc)
	if err != nil {
		return nil, nil, fs.explain(err)
	}
	if err := st.checkSessionPlace(ctx, sc, touchesSessions[fs.Name()], a.stderr); err != nil {
		st.Close()
		return nil, nil, err
	}
	am := &auth.Manager{Users: st.users, Tokens: st.tokens, Sessions: &session.Manager{Store: st.sessions},
		Hasher: st.passwordHasher(), SecretKey: rand.Text() + rand.Text()}
	return st, am, nil
}

func (a *admin) user(ctx context.Context, am *auth.Manager, username string) (*auth.User, error) {
	u, err := am.Users.UserByUsername(ctx, auth.NormalizeUsername(username))
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil, fmt.Errorf("no user %q", username)
	}
	return u, err
}

// readPassword reads a new password from stdin (--password-stdin: the whole input, without its final
// newline) or asks twice on the terminal without echo.
func (a *admin) readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		b, err := io.ReadAll(io.LimitReader(a.stdin, 1<<20))
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask for a password on; use --password-stdin")
	}
	fmt.Fprint(a.stderr, "Password: ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(a.stderr, "Password (again): ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errors.New("the two passwords differ")
	}
	return string(p1), nil
}

func (a *admin) createUser(ctx context.Context, args []string) int {
	fs := a.flags("createuser", "createuser --username U [--email E] [--staff] [--superuser] [--password-stdin]",
		"Create a user. The password is asked for on the terminal, or read from stdin with --password-stdin.")
	username := fs.String("username", "", "the new user's username (required)")
	email := fs.String("email", "", "email address")
	staff := fs.Bool("staff", false, "may use staff-only features (DRF's IsAdminUser)")
	super := fs.Bool("superuser", false, "superuser (implies --staff)")
	stdinPW := fs.Bool("password-stdin", false, "read the password from stdin")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if *username == "" || len(fs.positional) > 0 {
		return a.usage(fs, "createuser needs --username and no other arguments")
	}
	pw, err := a.readPassword(*stdinPW)
	if err != nil {
		return a.fail(err)
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	u, err := am.CreateUser(ctx, auth.NewUser{Username: *username, Email: *email, Password: pw, IsStaff: *staff || *super, IsSuperuser: *super})
	if err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.stdout, "Created user %q (id %d).\n", u.Username, u.ID)
	return 0
}

func (a *admin) changePassword(ctx context.Context, args []string) int {
	fs := a.flags("changepassword", "changepassword USERNAME [--password-stdin]",
		"Set a user's password. Every session of the user ends.")
	stdinPW := fs.Bool("password-stdin", false, "read the password from stdin")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) != 1 {
		return a.usage(fs, "changepassword needs exactly one USERNAME")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	u, err := a.user(ctx, am, fs.positional[0])
	if err != nil {
		return a.fail(err)
	}
	pw, err := a.readPassword(*stdinPW)
	if err != nil {
		return a.fail(err)
	}
	if err := am.SetPassword(ctx, u, pw); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.stdout, "Password changed for %q.\n", u.Username)
	return 0
}

func (a *admin) table() *tabwriter.Writer { return tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0) }

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (a *admin) usersList(ctx context.Context, args []string) int {
	fs := a.flags("users list", "users list", "List users.")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) > 0 {
		return a.usage(fs, "users list takes no arguments")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	users, err := am.Users.Users(ctx)
	if err != nil {
		return a.fail(err)
	}
	tw := a.table()
	fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tACTIVE\tSTAFF\tSUPERUSER\tJOINED\tLAST LOGIN")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%v\t%v\t%s\t%s\n", u.ID, u.Username, u.Email, u.IsActive, u.IsStaff, u.IsSuperuser, when(u.DateJoined), when(u.LastLogin))
	}
	tw.Flush()
	return 0
}

func (a *admin) setActive(ctx context.Context, args []string, active bool) int {
	verb := map[bool]string{true: "activate", false: "deactivate"}[active]
	fs := a.flags("users "+verb, "users "+verb+" USERNAME", map[bool]string{
		true:  "Activate a user.",
		false: "Deactivate a user: every session ends and every API token is deleted at once.",
	}[active])
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) != 1 {
		return a.usage(fs, "users "+verb+" needs exactly one USERNAME")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	u, err := a.user(ctx, am, fs.positional[0])
	if err != nil {
		return a.fail(err)
	}
	if err := am.SetActive(ctx, u.ID, active); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.stdout, "User %q %sd.\n", u.Username, verb)
	return 0
}

func (a *admin) usersDeactivate(ctx context.Context, args []string) int {
	return a.setActive(ctx, args, false)
}
func (a *admin) usersActivate(ctx context.Context, args []string) int {
	return a.setActive(ctx, args, true)
}

func (a *admin) sessionsList(ctx context.Context, args []string) int {
	fs := a.flags("sessions list", "sessions list [--user U]", "List the sessions of every user, or of one.")
	user := fs.String("user", "", "only this user's sessions")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) > 0 {
		return a.usage(fs, "sessions list takes no arguments")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	users, err := a.selectUsers(ctx, am, *user)
	if err != nil {
		return a.fail(err)
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	perUser, err := am.SessionsByUser(ctx, ids)
	if err != nil {
		return a.fail(err)
	}
	tw := a.table()
	fmt.Fprintln(tw, "ID\tUSER\tCREATED\tLAST SEEN\tEXPIRES\tIP\tUSER AGENT")
	for _, u := range users {
		for _, s := range perUser[u.ID] {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.60s\n", s.ID, u.Username, when(s.Created), when(s.LastSeen), when(s.Expires), s.IP, s.UserAgent)
		}
	}
	tw.Flush()
	return 0
}

func (a *admin) selectUsers(ctx context.Context, am *auth.Manager, username string) ([]*auth.User, error) {
	if username == "" {
		return am.Users.Users(ctx)
	}
	u, err := a.user(ctx, am, username)
	if err != nil {
		return nil, err
	}
	return []*auth.User{u}, nil
}

func (a *admin) sessionsRevoke(ctx context.Context, args []string) int {
	fs := a.flags("sessions revoke", "sessions revoke ID | sessions revoke --user U", "End one session (ID from sessions list) or every session of a user.")
	user := fs.String("user", "", "end every session of this user")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if (*user == "") == (len(fs.positional) != 1) || len(fs.positional) > 1 {
		return a.usage(fs, "sessions revoke needs one ID or --user U")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	if *user != "" {
		u, err := a.user(ctx, am, *user)
		if err != nil {
			return a.fail(err)
		}
		n, err := am.RevokeUserSessions(ctx, u.ID, "")
		if err != nil {
			return a.fail(err)
		}
		fmt.Fprintf(a.stdout, "Ended %d session(s) of %q.\n", n, u.Username)
		return 0
	}
	users, err := am.Users.Users(ctx)
	if err != nil {
		return a.fail(err)
	}
	for _, u := range users {
		err := am.RevokeSession(ctx, u.ID, fs.positional[0])
		if err == nil {
			fmt.Fprintf(a.stdout, "Ended session %s of %q.\n", fs.positional[0], u.Username)
			return 0
		}
		if !errors.Is(err, auth.ErrSessionNotFound) {
			return a.fail(err)
		}
	}
	return a.fail(fmt.Errorf("no session %q", fs.positional[0]))
}

func (a *admin) clearSessions(ctx context.Context, args []string) int {
	fs := a.flags("clearsessions", "clearsessions", "Delete expired sessions (the server also does this periodically).")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) > 0 {
		return a.usage(fs, "clearsessions takes no arguments")
	}
	st, _, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	del, ok := st.sessions.(session.ExpiredDeleter)
	if !ok {
		return a.fail(errors.New("this session store expires sessions by itself"))
	}
	n, err := del.DeleteExpired(ctx)
	if err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.stdout, "Deleted %d expired session(s).\n", n)
	return 0
}

func (a *admin) tokensCreate(ctx context.Context, args []string) int {
	fs := a.flags("tokens create", "tokens create --user U --name N", "Create an API token; its key is printed once.")
	user := fs.String("user", "", "the token's owner (required)")
	name := fs.String("name", "", "a name to recognise the token by (required)")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if *user == "" || *name == "" || len(fs.positional) > 0 {
		return a.usage(fs, "tokens create needs --user and --name")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	u, err := a.user(ctx, am, *user)
	if err != nil {
		return a.fail(err)
	}
	key, t, err := am.CreateToken(ctx, u.ID, *name)
	if err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.stderr, "Created token %d %q for %q. Its key is shown only this once:\n", t.ID, t.Name, u.Username)
	fmt.Fprintln(a.stdout, key)
	return 0
}

func (a *admin) tokensList(ctx context.Context, args []string) int {
	fs := a.flags("tokens list", "tokens list [--user U]", "List API tokens (never their keys).")
	user := fs.String("user", "", "only this user's tokens")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) > 0 {
		return a.usage(fs, "tokens list takes no arguments")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	var uid int64
	if *user != "" {
		u, err := a.user(ctx, am, *user)
		if err != nil {
			return a.fail(err)
		}
		uid = u.ID
	}
	tokens, err := am.Tokens.Tokens(ctx, uid)
	if err != nil {
		return a.fail(err)
	}
	names := map[int64]string{}
	tw := a.table()
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED")
	for _, t := range tokens {
		if _, ok := names[t.UserID]; !ok {
			if u, err := am.Users.User(ctx, t.UserID); err == nil {
				names[t.UserID] = u.Username
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", t.ID, names[t.UserID], t.Name, when(t.Created))
	}
	tw.Flush()
	return 0
}

func (a *admin) tokensRevoke(ctx context.Context, args []string) int {
	fs := a.flags("tokens revoke", "tokens revoke ID", "Delete an API token.")
	if code, done := parseFlags(fs, args, a.stdout, a.stderr); done {
		return code
	}
	if len(fs.positional) != 1 {
		return a.usage(fs, "tokens revoke needs exactly one ID")
	}
	id, err := strconv.ParseInt(fs.positional[0], 10, 64)
	if err != nil {
		return a.usage(fs, "the token ID is a number (see tokens list)")
	}
	st, am, err := a.open(ctx, fs)
	if err != nil {
		return a.fail(err)
	}
	defer st.Close()
	if err := am.Tokens.DeleteToken(ctx, 0, id); err != nil {
		if errors.Is(err, auth.ErrTokenNotFound) {
			return a.fail(fmt.Errorf("no token %d", id))
		}
		return a.fail(err)
	}
	fmt.Fprintf(a.stdout, "Deleted token %d.\n", id)
	return 0
}
