// Package authtest is the conformance suite for auth.UserStore and auth.TokenStore implementations.
// A store's test calls the suites with a function that returns a store:
//
//	func TestUserStore(t *testing.T) {
//		authtest.RunUserStore(t, func(t *testing.T) auth.UserStore { return newStore(t) })
//	}
//	func TestTokenStore(t *testing.T) {
//		authtest.RunTokenStore(t, func(t *testing.T) authtest.UserTokenStore { return newStore(t) })
//	}
//
// The suites check the contracts written on auth.UserStore and auth.TokenStore. Every call uses
// usernames and token hashes of its own, so stores that share one database between tests need not be
// emptied; nothing assumes the store is empty.
package authtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
)

// UserTokenStore is a store holding both users and tokens (tokens refer to users). It is an alias, so
// a func(*testing.T) interface{ auth.UserStore; auth.TokenStore } fits RunTokenStore as well.
type UserTokenStore = interface {
	auth.UserStore
	auth.TokenStore
}

// RunUserStore runs the auth.UserStore suite. newStore is called once per subtest.
func RunUserStore(t *testing.T, newStore func(t *testing.T) auth.UserStore) {
	t.Run("CreateAssignsID", func(t *testing.T) { testCreateAssignsID(t, newStore(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testUserRoundTrip(t, newStore(t)) })
	t.Run("ZeroLastLogin", func(t *testing.T) { testZeroLastLogin(t, newStore(t)) })
	t.Run("TimePrecision", func(t *testing.T) { testTimePrecision(t, newStore(t)) })
	t.Run("DuplicateUsername", func(t *testing.T) { testDuplicate(t, newStore(t)) })
	t.Run("ConcurrentCreateSameName", func(t *testing.T) { testConcurrentCreate(t, newStore(t)) })
	t.Run("ReturnsCopies", func(t *testing.T) { testUserCopies(t, newStore(t)) })
	t.Run("ExactMatch", func(t *testing.T) { testExactMatch(t, newStore(t)) })
	t.Run("UnicodeUsernames", func(t *testing.T) { testUnicode(t, newStore(t)) })
	t.Run("UpdateOnlyGivenFields", func(t *testing.T) { testUpdateFields(t, newStore(t)) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testConcurrentUpdates(t, newStore(t)) })
	t.Run("NotFound", func(t *testing.T) { testUserNotFound(t, newStore(t)) })
	t.Run("UsersOrderedByID", func(t *testing.T) { testUsersOrdered(t, newStore(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testUserCancelled(t, newStore(t)) })
}

// RunTokenStore runs the auth.TokenStore suite. newStore is called once per subtest.
func RunTokenStore(t *testing.T, newStore func(t *testing.T) UserTokenStore) {
	t.Run("CreateAssignsID", func(t *testing.T) { testTokenCreate(t, newStore(t)) })
	t.Run("TokenUser", func(t *testing.T) { testTokenUser(t, newStore(t)) })
	t.Run("TokenUserSeesCurrentUser", func(t *testing.T) { testTokenUserCurrent(t, newStore(t)) })
	t.Run("DuplicateHash", func(t *testing.T) { testTokenDuplicate(t, newStore(t)) })
	t.Run("UnknownHash", func(t *testing.T) { testTokenUnknown(t, newStore(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokensList(t, newStore(t)) })
	t.Run("ReturnsCopies", func(t *testing.T) { testTokenCopies(t, newStore(t)) })
	t.Run("DeleteToken", func(t *testing.T) { testDeleteToken(t, newStore(t)) })
	t.Run("DeleteTokenScopedToOwner", func(t *testing.T) { testDeleteTokenScoped(t, newStore(t)) })
	t.Run("DeleteUserTokens", func(t *testing.T) { testDeleteUserTokens(t, newStore(t)) })
	t.Run("ConcurrentCreate", func(t *testing.T) { testTokenConcurrent(t, newStore(t)) })
}

var counter atomic.Uint64

// unique returns a string no other call (in this process or another sharing the database) returns.
func unique(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano()%1e12, counter.Add(1))
}

// sameTime compares at microsecond precision, the finest every supported backend keeps (a backend may
// truncate or round the nanoseconds).
func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// stamp is a time near now with a sub-microsecond part, in a non-UTC zone.
func stamp(offset time.Duration) time.Time {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	t := time.Now().Add(offset).Truncate(time.Second).Add(123456789 * time.Nanosecond)
	return t.In(zone)
}

func newUser(prefix string) *auth.User {
	return &auth.User{
		Username:   unique(prefix),
		Email:      "someone@example.com",
		Password:   "argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
		IsActive:   true,
		DateJoined: stamp(-time.Hour),
	}
}

func create(t *testing.T, st auth.UserStore, u *auth.User) *auth.User {
	t.Helper()
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Username, err)
	}
	if u.ID == 0 {
		t.Fatalf("CreateUser(%q) left ID 0", u.Username)
	}
	return u
}

func byID(t *testing.T, st auth.UserStore, id int64) *auth.User {
	t.Helper()
	u, err := st.User(context.Background(), id)
	if err != nil {
		t.Fatalf("User(%d): %v", id, err)
	}
	return u
}

func byName(t *testing.T, st auth.UserStore, name string) *auth.User {
	t.Helper()
	u, err := st.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatalf("UserByUsername(%q): %v", name, err)
	}
	return u
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// sameUser reports the first difference between two users, "" when they are equal.
func sameUser(got, want *auth.User) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("ID %d, want %d", got.ID, want.ID)
	case got.Username != want.Username:
		return fmt.Sprintf("Username %q, want %q", got.Username, want.Username)
	case got.Email != want.Email:
		return fmt.Sprintf("Email %q, want %q", got.Email, want.Email)
	case got.Password != want.Password:
		return fmt.Sprintf("Password %q, want %q", got.Password, want.Password)
	case got.IsActive != want.IsActive || got.IsStaff != want.IsStaff || got.IsSuperuser != want.IsSuperuser:
		return fmt.Sprintf("flags active=%v staff=%v superuser=%v, want %v %v %v",
			got.IsActive, got.IsStaff, got.IsSuperuser, want.IsActive, want.IsStaff, want.IsSuperuser)
	case !sameTime(got.DateJoined, want.DateJoined):
		return fmt.Sprintf("DateJoined %v, want %v", got.DateJoined, want.DateJoined)
	case got.LastLogin.IsZero() != want.LastLogin.IsZero() || !sameTime(got.LastLogin, want.LastLogin):
		return fmt.Sprintf("LastLogin %v, want %v", got.LastLogin, want.LastLogin)
	}
	return ""
}

func checkUser(t *testing.T, what string, got, want *auth.User) {
	t.Helper()
	if d := sameUser(got, want); d != "" {
		t.Fatalf("%s: %s", what, d)
	}
}

func testCreateAssignsID(t *testing.T, st auth.UserStore) {
	a := create(t, st, newUser("ida_"))
	b := create(t, st, newUser("idb_"))
	if a.ID == b.ID {
		t.Fatalf("two users got the same id %d", a.ID)
	}
	if a.ID < 0 || b.ID < 0 {
		t.Fatalf("negative ids %d, %d", a.ID, b.ID)
	}
	if got := byID(t, st, a.ID); got.Username != a.Username {
		t.Fatalf("User(%d) is %q, want %q", a.ID, got.Username, a.Username)
	}
}

func testUserRoundTrip(t *testing.T, st auth.UserStore) {
	want := &auth.User{
		Username:    unique("round.trip+user@x-"),
		Email:       "Ünïcødé.Person+tag@example.org",
		Password:    "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY=",
		IsActive:    false,
		IsStaff:     true,
		IsSuperuser: true,
		DateJoined:  stamp(-48 * time.Hour),
		LastLogin:   stamp(-time.Minute),
	}
	create(t, st, want)
	checkUser(t, "User", byID(t, st, want.ID), want)
	checkUser(t, "UserByUsername", byName(t, st, want.Username), want)

	// The other flag combination, and an empty email and an unusable password.
	other := &auth.User{Username: unique("flags_"), Password: "!" + strings.Repeat("x", 40), IsActive: true, DateJoined: stamp(0)}
	create(t, st, other)
	checkUser(t, "User (other flags)", byID(t, st, other.ID), other)
}

func testZeroLastLogin(t *testing.T, st auth.UserStore) {
	u := create(t, st, newUser("never_"))
	if got := byID(t, st, u.ID); !got.LastLogin.IsZero() {
		t.Fatalf("LastLogin of a user who never logged in = %v, want the zero time", got.LastLogin)
	}
	email := "changed@example.com"
	if err := st.UpdateUser(context.Background(), u.ID, auth.UserChange{Email: &email}); err != nil {
		t.Fatal(err)
	}
	if got := byName(t, st, u.Username); !got.LastLogin.IsZero() {
		t.Fatalf("LastLogin after an unrelated update = %v, want the zero time", got.LastLogin)
	}
	users, err := st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range users {
		if got.ID == u.ID && !got.LastLogin.IsZero() {
			t.Fatalf("Users: LastLogin = %v, want the zero time", got.LastLogin)
		}
	}
}

func testTimePrecision(t *testing.T, st auth.UserStore) {
	u := newUser("time_")
	u.DateJoined = time.Date(2001, 2, 3, 4, 5, 6, 789012345, time.UTC)
	u.LastLogin = time.Date(2031, 12, 31, 23, 59, 59, 999999000, time.FixedZone("", -7*3600))
	create(t, st, u)
	got := byID(t, st, u.ID)
	checkUser(t, "times", got, u)

	last := stamp(time.Second)
	if err := st.UpdateUser(context.Background(), u.ID, auth.UserChange{LastLogin: &last}); err != nil {
		t.Fatal(err)
	}
	if got := byID(t, st, u.ID); !sameTime(got.LastLogin, last) {
		t.Fatalf("LastLogin after UpdateUser = %v, want %v", got.LastLogin, last)
	}
}

func testDuplicate(t *testing.T, st auth.UserStore) {
	first := create(t, st, newUser("dup_"))
	second := newUser("")
	second.Username = first.Username
	second.Email = "intruder@example.com"
	second.IsSuperuser = true
	wantErr(t, "CreateUser with a taken username", st.CreateUser(context.Background(), second), auth.ErrUsernameTaken)
	checkUser(t, "the first user after a duplicate create", byName(t, st, first.Username), first)
}

func testConcurrentCreate(t *testing.T, st auth.UserStore) {
	for round := range 5 {
		name := unique("race_")
		const n = 20
		var (
			start = make(chan struct{})
			wg    sync.WaitGroup
			errs  = make([]error, n)
			users = make([]*auth.User, n)
		)
		for i := range n {
			u := newUser("")
			u.Username = name
			u.Email = fmt.Sprintf("racer%d@example.com", i)
			users[i] = u
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = st.CreateUser(context.Background(), u)
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: creates %d and %d of %q both succeeded", round, winner, i, name)
				}
				winner = i
			case !errors.Is(err, auth.ErrUsernameTaken):
				t.Fatalf("round %d: create %d: %v, want nil or ErrUsernameTaken", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no create of %q succeeded", round, name)
		}
		got := byName(t, st, name)
		if got.ID != users[winner].ID || got.Email != users[winner].Email {
			t.Fatalf("round %d: stored user %d (%s), want the winner %d (%s)", round, got.ID, got.Email, users[winner].ID, users[winner].Email)
		}
	}
}

func testUserCopies(t *testing.T, st auth.UserStore) {
	ctx := context.Background()
	u := newUser("copy_")
	create(t, st, u)
	want := *u

	// The *User given to CreateUser is not kept.
	u.Email, u.IsSuperuser, u.Password = "mutated@example.com", true, "mutated"

	mutate := func(got *auth.User) {
		got.Email, got.Password, got.IsActive, got.IsSuperuser = "evil@example.com", "x", false, true
		got.LastLogin = time.Now()
		got.Username = "renamed"
	}
	mutate(byID(t, st, want.ID))
	mutate(byName(t, st, want.Username))
	users, err := st.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range users {
		if got.ID == want.ID {
			mutate(got)
		}
	}
	checkUser(t, "after mutating returned users", byID(t, st, want.ID), &want)
	checkUser(t, "by name after mutating returned users", byName(t, st, want.Username), &want)
	if got, err := st.UserByUsername(ctx, "renamed"); err == nil && got.ID == want.ID {
		t.Fatal("renaming a returned *User renamed the stored user")
	}
}

func testExactMatch(t *testing.T, st auth.UserStore) {
	ctx := context.Background()
	name := unique("CaseSensitive_")
	u := create(t, st, &auth.User{Username: name, Password: "!", IsActive: true, DateJoined: stamp(0)})
	for _, variant := range []string{
		strings.ToLower(name), strings.ToUpper(name), name + " ", " " + name, name[:len(name)-1], name + "\x00",
	} {
		got, err := st.UserByUsername(ctx, variant)
		if !errors.Is(err, auth.ErrUserNotFound) {
			id := int64(0)
			if got != nil {
				id = got.ID
			}
			t.Fatalf("UserByUsername(%q) = user %d, %v; want ErrUserNotFound (usernames match exactly)", variant, id, err)
		}
	}
	// Names differing only in case are different users (as in Django).
	lower := create(t, st, &auth.User{Username: strings.ToLower(name), Password: "!", IsActive: true, DateJoined: stamp(0)})
	if lower.ID == u.ID {
		t.Fatal("the lower-case name got the same id")
	}
	if got := byName(t, st, name); got.ID != u.ID {
		t.Fatalf("UserByUsername(%q) = %d, want %d", name, got.ID, u.ID)
	}
	if got := byName(t, st, strings.ToLower(name)); got.ID != lower.ID {
		t.Fatalf("UserByUsername(%q) = %d, want %d", strings.ToLower(name), got.ID, lower.ID)
	}
}

func testUnicode(t *testing.T, st auth.UserStore) {
	ctx := context.Background()
	tag := unique("")
	names := []string{
		"Ünïcødé_" + tag,
		"ユーザー_" + tag,
		"пользователь_" + tag,
		"χρήστης_" + tag,
		"مستخدم_" + tag,
		"用户_" + tag,
		"emoji😀_" + tag,     // outside the BMP (4 bytes in UTF-8; MySQL utf8mb3 cannot hold it)
		"café_" + tag,       // NFC é
		"cafe\u0301_" + tag, // NFD e + combining acute: a different string to the store
		strings.Repeat("ß", 100) + tag,
	}
	ids := map[int64]string{}
	for _, name := range names {
		u := create(t, st, &auth.User{Username: name, Email: "ü@example.com", Password: "!", IsActive: true, DateJoined: stamp(0)})
		if prev, dup := ids[u.ID]; dup {
			t.Fatalf("%q and %q got the same id", prev, name)
		}
		ids[u.ID] = name
	}
	for id, name := range ids {
		got := byName(t, st, name)
		if got.ID != id || got.Username != name {
			t.Fatalf("UserByUsername(%q) = %d %q, want %d", name, got.ID, got.Username, id)
		}
		if got := byID(t, st, id); got.Username != name {
			t.Fatalf("User(%d).Username = %q (%x), want %q (%x)", id, got.Username, got.Username, name, name)
		}
	}
	// Case folding of non-ASCII letters does not apply either.
	if _, err := st.UserByUsername(ctx, "ÜNÏCØDÉ_"+tag); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("upper-cased unicode name matched: %v", err)
	}
}

func testUpdateFields(t *testing.T, st auth.UserStore) {
	ctx := context.Background()
	u := newUser("upd_")
	u.LastLogin = stamp(-time.Hour)
	create(t, st, u)
	want := *u

	step := func(what string, ch auth.UserChange, apply func(*auth.User)) {
		t.Helper()
		if err := st.UpdateUser(ctx, want.ID, ch); err != nil {
			t.Fatalf("UpdateUser(%s): %v", what, err)
		}
		apply(&want)
		checkUser(t, "after updating "+what, byID(t, st, want.ID), &want)
	}
	email, pw := "new@example.com", "argon2$argon2id$v=19$m=64,t=1,p=1$bmV3c2FsdG5ld3NhbHQ$bmV3aGFzaG5ld2hhc2huZXdoYXNobmV3aGFzaA"
	f, tr := false, true
	last := stamp(0)
	step("nothing", auth.UserChange{}, func(*auth.User) {})
	step("Email", auth.UserChange{Email: &email}, func(u *auth.User) { u.Email = email })
	step("Password", auth.UserChange{Password: &pw}, func(u *auth.User) { u.Password = pw })
	step("IsActive", auth.UserChange{IsActive: &f}, func(u *auth.User) { u.IsActive = false })
	step("IsStaff", auth.UserChange{IsStaff: &tr}, func(u *auth.User) { u.IsStaff = true })
	step("IsSuperuser", auth.UserChange{IsSuperuser: &tr}, func(u *auth.User) { u.IsSuperuser = true })
	step("LastLogin", auth.UserChange{LastLogin: &last}, func(u *auth.User) { u.LastLogin = last })
	empty := ""
	step("Email to empty", auth.UserChange{Email: &empty}, func(u *auth.User) { u.Email = "" })
	step("two fields", auth.UserChange{IsActive: &tr, IsStaff: &f}, func(u *auth.User) { u.IsActive, u.IsStaff = true, false })

	// An update of one user leaves the others alone.
	other := create(t, st, newUser("bystander_"))
	otherWant := *other
	step("three fields", auth.UserChange{Email: &email, Password: &pw, IsSuperuser: &f}, func(u *auth.User) {
		u.Email, u.Password, u.IsSuperuser = email, pw, false
	})
	checkUser(t, "another user", byID(t, st, other.ID), &otherWant)
}

// testConcurrentUpdates: updates of different fields at the same time (a password upgrade at login while
// an administrator deactivates the account) must not undo each other.
func testConcurrentUpdates(t *testing.T, st auth.UserStore) {
	ctx := context.Background()
	for round := range 10 {
		u := create(t, st, newUser("conc_"))
		email := fmt.Sprintf("round%d@example.com", round)
		pw := fmt.Sprintf("argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdA$round%d", round)
		f, tr := false, true
		last := stamp(time.Duration(round) * time.Second)
		changes := []auth.UserChange{
			{Email: &email}, {Password: &pw}, {IsActive: &f}, {IsStaff: &tr}, {IsSuperuser: &tr}, {LastLogin: &last},
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, len(changes)*3)
		for i := range errs {
			ch := changes[i%len(changes)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = st.UpdateUser(ctx, u.ID, ch)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: UpdateUser: %v", round, err)
			}
		}
		want := *u
		want.Email, want.Password, want.IsActive, want.IsStaff, want.IsSuperuser, want.LastLogin = email, pw, false, true, true, last
		checkUser(t, fmt.Sprintf("round %d: after concurrent updates", round), byID(t, st, u.ID), &want)
	}
}

func testUserNotFound(t *testing.T, st auth.UserStore) {
	ctx := context.Background()
	u := create(t, st, newUser("exists_"))
	missing := u.ID + 1_000_000_007
	_, err := st.User(ctx, missing)
	wantErr(t, "User of a missing id", err, auth.ErrUserNotFound)
	_, err = st.User(ctx, 0)
	wantErr(t, "User(0)", err, auth.ErrUserNotFound)
	_, err = st.User(ctx, -1)
	wantErr(t, "User(-1)", err, auth.ErrUserNotFound)
	_, err = st.UserByUsername(ctx, unique("nobody_"))
	wantErr(t, "UserByUsername of a missing name", err, auth.ErrUserNotFound)
	_, err = st.UserByUsername(ctx, "")
	wantErr(t, "UserByUsername(\"\")", err, auth.ErrUserNotFound)
	email := "x@example.com"
	wantErr(t, "UpdateUser of a missing id", st.UpdateUser(ctx, missing, auth.UserChange{Email: &email}), auth.ErrUserNotFound)
	if _, err := st.User(ctx, missing); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("UpdateUser of a missing id created it: %v", err)
	}
}

func testUsersOrdered(t *testing.T, st auth.UserStore) {
	var ours []*auth.User
	for range 7 {
		ours = append(ours, create(t, st, newUser("order_")))
	}
	users, err := st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(users); i++ {
		if users[i-1].ID >= users[i].ID {
			t.Fatalf("Users not ordered by id: %d before %d", users[i-1].ID, users[i].ID)
		}
	}
	found := map[int64]*auth.User{}
	for _, u := range users {
		found[u.ID] = u
	}
	for _, want := range ours {
		got, ok := found[want.ID]
		if !ok {
			t.Fatalf("Users is missing user %d", want.ID)
		}
		checkUser(t, "Users entry", got, want)
	}
}

func testUserCancelled(t *testing.T, st auth.UserStore) {
	u := create(t, st, newUser("cancel_"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.User(ctx, u.ID); err == nil {
		t.Fatal("User with a cancelled context succeeded")
	} else if errors.Is(err, auth.ErrUserNotFound) {
		t.Fatal("User with a cancelled context reported ErrUserNotFound; a failure must not look like a missing user")
	}
	if _, err := st.UserByUsername(ctx, u.Username); err == nil || errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("UserByUsername with a cancelled context: %v, want a non-ErrUserNotFound error", err)
	}
}

// Tokens.

func newHash() string {
	return auth.HashTokenKey(unique("authtest-token-"))
}

func createToken(t *testing.T, st auth.TokenStore, userID int64, name string) *auth.Token {
	t.Helper()
	tok := &auth.Token{UserID: userID, Name: name, KeyHash: newHash(), Created: stamp(0)}
	if err := st.CreateToken(context.Background(), tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.ID == 0 {
		t.Fatal("CreateToken left ID 0")
	}
	return tok
}

func checkToken(t *testing.T, what string, got, want *auth.Token) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.Name != want.Name || got.KeyHash != want.KeyHash || !sameTime(got.Created, want.Created) {
		t.Fatalf("%s: got %+v, want %+v", what, *got, *want)
	}
}

func tokens(t *testing.T, st auth.TokenStore, userID int64) []*auth.Token {
	t.Helper()
	out, err := st.Tokens(context.Background(), userID)
	if err != nil {
		t.Fatalf("Tokens(%d): %v", userID, err)
	}
	return out
}

func ids(ts []*auth.Token) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func testTokenCreate(t *testing.T, st UserTokenStore) {
	u := create(t, st, newUser("tok_"))
	a := createToken(t, st, u.ID, "laptop — ünïcødé ☃")
	b := createToken(t, st, u.ID, "laptop — ünïcødé ☃") // names need not be unique
	if a.ID == b.ID {
		t.Fatalf("two tokens got id %d", a.ID)
	}
	got, _, err := st.TokenUser(context.Background(), a.KeyHash)
	if err != nil {
		t.Fatal(err)
	}
	checkToken(t, "TokenUser", got, a)
}

func testTokenUser(t *testing.T, st UserTokenStore) {
	u := create(t, st, newUser("tokuser_"))
	other := create(t, st, newUser("tokother_"))
	tok := createToken(t, st, u.ID, "cli")
	createToken(t, st, other.ID, "cli")
	gotTok, gotUser, err := st.TokenUser(context.Background(), tok.KeyHash)
	if err != nil {
		t.Fatalf("TokenUser: %v", err)
	}
	checkToken(t, "TokenUser token", gotTok, tok)
	checkUser(t, "TokenUser user", gotUser, byID(t, st, u.ID))
}

func testTokenUserCurrent(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	u := create(t, st, newUser("tokcur_"))
	tok := createToken(t, st, u.ID, "cli")
	f, pw := false, "!changed"
	if err := st.UpdateUser(ctx, u.ID, auth.UserChange{IsActive: &f, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	_, got, err := st.TokenUser(ctx, tok.KeyHash)
	if err != nil {
		t.Fatal(err)
	}
	if got.IsActive || got.Password != pw {
		t.Fatalf("TokenUser returned a stale user: active=%v password=%q", got.IsActive, got.Password)
	}
}

func testTokenDuplicate(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	u := create(t, st, newUser("tokdup_"))
	v := create(t, st, newUser("tokdup2_"))
	tok := createToken(t, st, u.ID, "first")
	for _, owner := range []int64{u.ID, v.ID} {
		dup := &auth.Token{UserID: owner, Name: "second", KeyHash: tok.KeyHash, Created: stamp(0)}
		wantErr(t, "CreateToken with a taken hash", st.CreateToken(ctx, dup), auth.ErrTokenExists)
	}
	gotTok, gotUser, err := st.TokenUser(ctx, tok.KeyHash)
	if err != nil {
		t.Fatal(err)
	}
	if gotUser.ID != u.ID {
		t.Fatalf("a duplicate create moved the token to user %d", gotUser.ID)
	}
	checkToken(t, "token after duplicate creates", gotTok, tok)
	if n := len(tokens(t, st, v.ID)); n != 0 {
		t.Fatalf("the other user has %d tokens after a refused create", n)
	}
}

func testTokenUnknown(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	for _, h := range []string{newHash(), "", "x", strings.Repeat("0", 64)} {
		_, _, err := st.TokenUser(ctx, h)
		wantErr(t, fmt.Sprintf("TokenUser(%q)", h), err, auth.ErrTokenNotFound)
	}
	// A hash differing only in case is another hash.
	u := create(t, st, newUser("tokcase_"))
	tok := createToken(t, st, u.ID, "cli")
	_, _, err := st.TokenUser(ctx, strings.ToUpper(tok.KeyHash))
	wantErr(t, "TokenUser of the upper-cased hash", err, auth.ErrTokenNotFound)
}

func testTokensList(t *testing.T, st UserTokenStore) {
	u := create(t, st, newUser("toklist_"))
	v := create(t, st, newUser("toklist2_"))
	none := create(t, st, newUser("toklist3_"))
	var mine []*auth.Token
	var all []*auth.Token
	for i := range 4 {
		tok := createToken(t, st, u.ID, fmt.Sprintf("u%d", i))
		mine = append(mine, tok)
		all = append(all, tok)
		all = append(all, createToken(t, st, v.ID, fmt.Sprintf("v%d", i)))
	}
	got := tokens(t, st, u.ID)
	if len(got) != len(mine) {
		t.Fatalf("Tokens(u) = ids %v, want %v", ids(got), ids(mine))
	}
	for i := range got {
		checkToken(t, fmt.Sprintf("Tokens(u)[%d]", i), got[i], mine[i])
	}
	if got := tokens(t, st, none.ID); len(got) != 0 {
		t.Fatalf("Tokens of a user without tokens = %v", ids(got))
	}
	everything := tokens(t, st, 0)
	for i := 1; i < len(everything); i++ {
		if everything[i-1].ID >= everything[i].ID {
			t.Fatalf("Tokens(0) not ordered by id: %v", ids(everything))
		}
	}
	byID := map[int64]*auth.Token{}
	for _, tok := range everything {
		byID[tok.ID] = tok
	}
	for _, want := range all {
		got, ok := byID[want.ID]
		if !ok {
			t.Fatalf("Tokens(0) is missing token %d of user %d", want.ID, want.UserID)
		}
		checkToken(t, "Tokens(0) entry", got, want)
	}
}

func testTokenCopies(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	u := create(t, st, newUser("tokcopy_"))
	tok := createToken(t, st, u.ID, "original")
	want := *tok
	tok.Name, tok.UserID = "mutated", u.ID+1
	mutate := func(got *auth.Token) { got.Name, got.UserID, got.KeyHash = "evil", 0, "x" }
	gotTok, gotUser, err := st.TokenUser(ctx, want.KeyHash)
	if err != nil {
		t.Fatal(err)
	}
	mutate(gotTok)
	gotUser.IsSuperuser, gotUser.Username = true, "evil"
	for _, got := range tokens(t, st, u.ID) {
		mutate(got)
	}
	for _, got := range tokens(t, st, 0) {
		if got.ID == want.ID {
			mutate(got)
		}
	}
	gotTok, gotUser, err = st.TokenUser(ctx, want.KeyHash)
	if err != nil {
		t.Fatalf("TokenUser after mutating returned values: %v", err)
	}
	checkToken(t, "after mutating returned tokens", gotTok, &want)
	if gotUser.IsSuperuser || gotUser.Username != u.Username {
		t.Fatal("mutating the user TokenUser returned changed the store")
	}
}

func testDeleteToken(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	u := create(t, st, newUser("tokdel_"))
	keep := createToken(t, st, u.ID, "keep")
	gone := createToken(t, st, u.ID, "gone")
	if err := st.DeleteToken(ctx, u.ID, gone.ID); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	_, _, err := st.TokenUser(ctx, gone.KeyHash)
	wantErr(t, "TokenUser of a deleted token", err, auth.ErrTokenNotFound)
	wantErr(t, "DeleteToken twice", st.DeleteToken(ctx, u.ID, gone.ID), auth.ErrTokenNotFound)
	wantErr(t, "DeleteToken of a missing id", st.DeleteToken(ctx, u.ID, gone.ID+1_000_000_007), auth.ErrTokenNotFound)
	if got := tokens(t, st, u.ID); len(got) != 1 || got[0].ID != keep.ID {
		t.Fatalf("Tokens after a delete = %v, want [%d]", ids(got), keep.ID)
	}
	// The hash of a deleted token may be used again.
	again := &auth.Token{UserID: u.ID, Name: "again", KeyHash: gone.KeyHash, Created: stamp(0)}
	if err := st.CreateToken(ctx, again); err != nil {
		t.Fatalf("CreateToken with the hash of a deleted token: %v", err)
	}
	if again.ID == gone.ID {
		t.Fatalf("a new token reused the deleted token's id %d", gone.ID)
	}
	// userID 0 deletes whoever owns it.
	if err := st.DeleteToken(ctx, 0, keep.ID); err != nil {
		t.Fatalf("DeleteToken(0, id): %v", err)
	}
	_, _, err = st.TokenUser(ctx, keep.KeyHash)
	wantErr(t, "TokenUser after DeleteToken(0, id)", err, auth.ErrTokenNotFound)
}

func testDeleteTokenScoped(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	owner := create(t, st, newUser("owner_"))
	other := create(t, st, newUser("notowner_"))
	tok := createToken(t, st, owner.ID, "mine")
	wantErr(t, "DeleteToken by another user", st.DeleteToken(ctx, other.ID, tok.ID), auth.ErrTokenNotFound)
	wantErr(t, "DeleteToken by a user that does not exist", st.DeleteToken(ctx, owner.ID+1_000_000_007, tok.ID), auth.ErrTokenNotFound)
	got, _, err := st.TokenUser(ctx, tok.KeyHash)
	if err != nil {
		t.Fatalf("the token is gone after another user's DeleteToken: %v", err)
	}
	checkToken(t, "token after another user's DeleteToken", got, tok)
}

func testDeleteUserTokens(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	u := create(t, st, newUser("tokall_"))
	v := create(t, st, newUser("tokall2_"))
	var deleted []*auth.Token
	for i := range 3 {
		deleted = append(deleted, createToken(t, st, u.ID, fmt.Sprint(i)))
	}
	kept := createToken(t, st, v.ID, "other")
	n, err := st.DeleteUserTokens(ctx, u.ID)
	if err != nil || n != 3 {
		t.Fatalf("DeleteUserTokens = %d, %v; want 3", n, err)
	}
	for _, tok := range deleted {
		_, _, err := st.TokenUser(ctx, tok.KeyHash)
		wantErr(t, "TokenUser of a token deleted with its user's", err, auth.ErrTokenNotFound)
	}
	if got := tokens(t, st, u.ID); len(got) != 0 {
		t.Fatalf("Tokens after DeleteUserTokens = %v", ids(got))
	}
	if _, _, err := st.TokenUser(ctx, kept.KeyHash); err != nil {
		t.Fatalf("another user's token: %v", err)
	}
	n, err = st.DeleteUserTokens(ctx, u.ID)
	if err != nil || n != 0 {
		t.Fatalf("DeleteUserTokens again = %d, %v; want 0", n, err)
	}
	n, err = st.DeleteUserTokens(ctx, u.ID+1_000_000_007)
	if err != nil || n != 0 {
		t.Fatalf("DeleteUserTokens of a missing user = %d, %v; want 0, nil", n, err)
	}
}

// testTokenConcurrent: concurrent creates (checklist CC-07) give distinct ids and lose none.
func testTokenConcurrent(t *testing.T, st UserTokenStore) {
	ctx := context.Background()
	u := create(t, st, newUser("tokconc_"))
	const n = 20
	toks := make([]*auth.Token, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		toks[i] = &auth.Token{UserID: u.ID, Name: fmt.Sprint(i), KeyHash: newHash(), Created: stamp(0)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = st.CreateToken(ctx, toks[i])
		}()
	}
	// Plus 10 racing creates of one hash: exactly one wins.
	shared := newHash()
	sharedErrs := make([]error, 10)
	for i := range sharedErrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			sharedErrs[i] = st.CreateToken(ctx, &auth.Token{UserID: u.ID, Name: "shared", KeyHash: shared, Created: stamp(0)})
		}()
	}
	close(start)
	wg.Wait()
	seen := map[int64]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if seen[toks[i].ID] {
			t.Fatalf("id %d given twice", toks[i].ID)
		}
		seen[toks[i].ID] = true
	}
	wins := 0
	for _, err := range sharedErrs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, auth.ErrTokenExists):
			t.Fatalf("racing create of one hash: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d racing creates of one hash succeeded, want 1", wins)
	}
	if got := tokens(t, st, u.ID); len(got) != n+1 {
		t.Fatalf("user has %d tokens, want %d", len(got), n+1)
	}
}
