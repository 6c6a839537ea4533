package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// sessionPlaceSetting is the database setting in which serve records where its sessions live, so
// that an admin command run against the same --database without the same --session-store (or
// --django-database) does not report success over sessions it cannot see: revoking a deactivated
// user's sessions in the wrong store would leave them alive in the right one.
const sessionPlaceSetting = "session_store"

// credentialsRE finds what a URL's description must not keep: the user info, and the query.
var credentialsRE = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@|\?.*$`)

// sessionPlace describes where the sessions of sc live, without credentials or query parameters.
func sessionPlace(sc storeConfig) string {
	bare := func(u string) string {
		return credentialsRE.ReplaceAllStringFunc(u, func(m string) string {
			if strings.HasPrefix(m, "?") {
				return ""
			}
			return m[:strings.Index(m, "://")+3]
		})
	}
	switch {
	case sc.DjangoDatabase != "":
		return "django " + bare(sc.DjangoDatabase)
	case sc.SessionStore == "" || sc.SessionStore == "database" || sc.SessionStore == "sqlite" ||
		sc.SessionStore == sc.Database:
		return "database"
	case sc.SessionStore == "memory":
		return "memory"
	default:
		return bare(sc.SessionStore)
	}
}

// recordSessionPlace stores where serve keeps its sessions.
func (s *stores) recordSessionPlace(ctx context.Context, sc storeConfig) error {
	if err := s.db.SetSetting(ctx, sessionPlaceSetting, sessionPlace(sc)); err != nil {
		return fmt.Errorf("recording where sessions live in --database: %w", err)
	}
	return nil
}

// checkSessionPlace compares where an admin command would look for sessions with what the server
// recorded. Users shared with Django must be reached through Django's tables by every command. The
// session store matters to the commands that list or end sessions (withSessions): a server keeping
// them in memory is out of any command's reach, which is a warning (the server still refuses a
// deactivated user's or an old password's sessions on their next request); any other difference
// is an error.
func (s *stores) checkSessionPlace(ctx context.Context, sc storeConfig, withSessions bool, warn io.Writer) error {
	recorded, ok, err := s.db.Setting(ctx, sessionPlaceSetting)
	if err != nil {
		return fmt.Errorf("reading where the server keeps sessions: %w", err)
	}
	mine := sessionPlace(sc)
	switch {
	case !ok || recorded == mine:
		return nil
	case strings.HasPrefix(recorded, "django "):
		return fmt.Errorf("the server on this --database shares users and sessions with Django's database %s; "+
			"give this command the same --django-database and --django-secret-key-file", strings.TrimPrefix(recorded, "django "))
	case strings.HasPrefix(mine, "django "):
		return errors.New("the server on this --database keeps its own users and sessions, not Django's; " +
			"leave out --django-database")
	case !withSessions:
		return nil
	case recorded == "memory":
		fmt.Fprintln(warn, "warning: the server keeps sessions in its memory (--session-store memory); "+
			"this command cannot list or end them")
		return nil
	default:
		return fmt.Errorf("the server on this --database keeps sessions in %s, but this command would look in %s; "+
			"give it the server's --session-store (or SESSIONAUTH_SESSION_STORE)", recorded, mine)
	}
}
