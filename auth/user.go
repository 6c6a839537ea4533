package auth

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors of the user and token stores.
var (
	ErrUserNotFound  = errors.New("auth: user not found")
	ErrUsernameTaken = errors.New("auth: username already taken")
	ErrTokenNotFound = errors.New("auth: token not found")
	ErrTokenExists   = errors.New("auth: token key already exists")
	// ErrTokenLimit: the store keeps no more tokens for this user (DRF's authtoken table holds one per
	// user). Manager.CreateToken reports it as a field error.
	ErrTokenLimit = errors.New("auth: the user has as many tokens as the store can keep")
)

// User is an account, with the fields of Django's auth.User that matter here.
type User struct {
	ID          int64     // assigned by the store on creation; never 0 for a stored user
	Username    string    // NFKC-normalised (see NormalizeUsername)
	Email       string    // "" when none was given
	Password    string    // the encoded password hash (Django's format); "!..." is unusable
	IsActive    bool      // false refuses its passwords, sessions and tokens (Django's is_active)
	IsStaff     bool      // may use staff-only views (DRF's IsAdminUser)
	IsSuperuser bool      // Django's is_superuser; kept and shown, but no check here reads it
	DateJoined  time.Time // when the account was created
	LastLogin   time.Time // zero when the user never logged in
}

// MarshalJSON renders the user as the API shows it: never the password hash; last_login null when the
// user never logged in.
func (u *User) MarshalJSON() ([]byte, error) {
	var last *time.Time
	if !u.LastLogin.IsZero() {
		t := u.LastLogin.UTC()
		last = &t
	}
	return json.Marshal(struct {
		ID          int64      `json:"id"`
		Username    string     `json:"username"`
		Email       string     `json:"email"`
		IsActive    bool       `json:"is_active"`
		IsStaff     bool       `json:"is_staff"`
		IsSuperuser bool       `json:"is_superuser"`
		DateJoined  time.Time  `json:"date_joined"`
		LastLogin   *time.Time `json:"last_login"`
	}{u.ID, u.Username, u.Email, u.IsActive, u.IsStaff, u.IsSuperuser, u.DateJoined.UTC(), last})
}

// UserChange lists the fields UpdateUser writes; nil fields are left as they are. Updating single
// fields (rather than writing back a whole User) keeps concurrent updates, such as a password upgrade
// at login and an administrator deactivating the account, from undoing each other.
type UserChange struct {
	Email       *string    // the new address
	Password    *string    // the new encoded password hash, never a raw password
	IsActive    *bool      // activates or deactivates the account
	IsStaff     *bool      // grants or revokes staff status
	IsSuperuser *bool      // grants or revokes superuser status
	LastLogin   *time.Time // the time of a successful login
}

// UserStore keeps users. Usernames are unique and compared exactly (callers normalise them first).
// Methods return ErrUserNotFound for a missing user and ErrUsernameTaken on a duplicate username; any
// other error means the store could not answer.
type UserStore interface {
	// User finds the user with that id.
	User(ctx context.Context, id int64) (*User, error)
	// UserByUsername finds the user with exactly that (already normalised) username.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// CreateUser inserts u and sets u.ID.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser writes the non-nil fields of ch to user id, in one atomic step.
	UpdateUser(ctx context.Context, id int64, ch UserChange) error
	// Users lists every user ordered by id.
	Users(ctx context.Context) ([]*User, error)
}

// Token is an API token (DRF's authtoken, several per user). Only a hash of its key is stored.
type Token struct {
	ID      int64     `json:"id"`      // assigned by the store on creation
	UserID  int64     `json:"user_id"` // the owner
	Name    string    `json:"name"`    // the owner's label for it, at most 100 characters
	KeyHash string    `json:"-"`       // HashTokenKey(key), or the store's TokenKeyHash(key)
	Created time.Time `json:"created"` // when the token was created, UTC
}

// FreshUserReader is an optional UserStore capability of stores that cache users: UserUncached reads
// the user from the database itself. SessionUser re-reads through it before it ends a session over
// what User answered: the cached record may be older than the session (a password change made through
// another instance, whose new auth hash the session already carries), and a stale record must not log
// anyone out.
type FreshUserReader interface {
	// UserUncached finds the user with that id in the database itself, never in the cache (which it
	// may refresh with what it read). Errors are those of UserStore.User.
	UserUncached(ctx context.Context, id int64) (*User, error)
}

// TokenKeyMapper is an optional TokenStore capability: a store that implements it decides what
// Token.KeyHash holds for a key, instead of HashTokenKey. The DRF interoperability store keeps keys
// in clear, as DRF's authtoken table does.
type TokenKeyMapper interface {
	// TokenKeyHash returns the value stored as Token.KeyHash for key.
	TokenKeyHash(key string) string
}

// TokenStore keeps API tokens. Methods return ErrTokenNotFound for a missing token.
type TokenStore interface {
	// CreateToken inserts t and sets t.ID.
	CreateToken(ctx context.Context, t *Token) error
	// TokenUser finds the token with that key hash and its user in one round trip.
	TokenUser(ctx context.Context, keyHash string) (*Token, *User, error)
	// Tokens lists the tokens of userID (all tokens when userID is 0), ordered by id.
	Tokens(ctx context.Context, userID int64) ([]*Token, error)
	// DeleteToken deletes token id if it belongs to userID (any owner when userID is 0).
	DeleteToken(ctx context.Context, userID, id int64) error
	// DeleteUserTokens deletes every token of userID and reports how many there were.
	DeleteUserTokens(ctx context.Context, userID int64) (int, error)
}
