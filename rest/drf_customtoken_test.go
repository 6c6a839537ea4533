package rest_test

// DRF's CustomTokenAuthTests (drf-django-spec.md §3.1, the /customtoken/ run of #16–#25): Token
// authentication over a token model of the project's own. In DRF that is a CustomToken model (the key
// is the primary key, one token per user) named by the authenticator's `model`; here it is an
// auth.TokenStore of the project's own, given to the auth.Manager the authenticator uses. The cases
// themselves run in TestDRFTokenAuth; this file holds the model and what only it can show.

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/rest"
)

// customTokenStore is DRF's tests.models.CustomToken: the key is kept as is and is the primary key
// (auth.TokenKeyMapper), and a user has at most one token (a OneToOneField). Users stay in the
// harness's store, as CustomToken.user refers to Django's user table.
type customTokenStore struct {
	users auth.UserStore

	mu     sync.Mutex
	byKey  map[string]auth.Token
	nextID int64

	lookups atomic.Int64 // TokenUser calls, DRF's "one query" (#23)
}

func newCustomTokenStore(users auth.UserStore) *customTokenStore {
	return &customTokenStore{users: users, byKey: map[string]auth.Token{}}
}

// TokenKeyHash implements auth.TokenKeyMapper: CustomToken keeps the key itself.
func (s *customTokenStore) TokenKeyHash(key string) string { return key }

func (s *customTokenStore) CreateToken(_ context.Context, t *auth.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byKey[t.KeyHash]; ok {
		return auth.ErrTokenExists
	}
	for _, other := range s.byKey {
		if other.UserID == t.UserID {
			return auth.ErrTokenLimit
		}
	}
	s.nextID++
	t.ID = s.nextID
	s.byKey[t.KeyHash] = *t
	return nil
}

func (s *customTokenStore) TokenUser(ctx context.Context, key string) (*auth.Token, *auth.User, error) {
	s.lookups.Add(1)
	s.mu.Lock()
	t, ok := s.byKey[key]
	s.mu.Unlock()
	if !ok {
		return nil, nil, auth.ErrTokenNotFound
	}
	u, err := s.users.User(ctx, t.UserID)
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil, nil, auth.ErrTokenNotFound // the row would have gone with its user (on_delete=CASCADE)
	}
	if err != nil {
		return nil, nil, err
	}
	return &t, u, nil
}

func (s *customTokenStore) Tokens(_ context.Context, userID int64) ([]*auth.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*auth.Token
	for _, t := range s.byKey {
		if userID == 0 || t.UserID == userID {
			out = append(out, &t)
		}
	}
	slices.SortFunc(out, func(a, b *auth.Token) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (s *customTokenStore) DeleteToken(_ context.Context, userID, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, t := range s.byKey {
		if t.ID == id && (userID == 0 || t.UserID == userID) {
			delete(s.byKey, key)
			return nil
		}
	}
	return auth.ErrTokenNotFound
}

func (s *customTokenStore) DeleteUserTokens(_ context.Context, userID int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for key, t := range s.byKey {
		if t.UserID == userID {
			delete(s.byKey, key)
			n++
		}
	}
	return n, nil
}

// customTokenRoute mounts /customtoken/ (DRF's MockView with CustomTokenAuthentication) and gives john
// the fixture's key abcd1234 in the custom model.
func (h *harness) customTokenRoute() (*auth.Manager, *customTokenStore) {
	h.t.Helper()
	st := newCustomTokenStore(h.store)
	am := &auth.Manager{
		Users: h.store, Tokens: st, Sessions: h.auth.Sessions, CSRF: h.csrf, Hasher: cheapHasher(),
		SecretKey: h.auth.SecretKey, Validators: h.auth.Validators,
	}
	if err := st.CreateToken(context.Background(), &auth.Token{UserID: h.john.ID, Name: "fixture", KeyHash: "abcd1234"}); err != nil {
		h.t.Fatal(err)
	}
	h.mux.Handle("/customtoken/", h.mockView(rest.Authenticators(&rest.TokenAuthentication{Auth: am})))
	return am, st
}

// What only a model of the project's own shows: the authenticator asks it once per request (#23),
// its rules surface through the manager, and the default model's keys do not open its views.
func TestDRFCustomTokenModel(t *testing.T) {
	h := newHarness(t)
	h.drfRoutes()
	am, st := h.customTokenRoute()
	c := h.client()
	hdr := map[string]string{"Authorization": "Token abcd1234"}

	t.Run("23 one lookup per request", func(t *testing.T) {
		before := st.lookups.Load()
		wantStatus(t, c.do("POST", "/customtoken/", exampleJSON, hdr), 200)
		if n := st.lookups.Load() - before; n != 1 {
			t.Fatalf("%d token lookups for one request, want 1", n)
		}
	})
	t.Run("one token per user", func(t *testing.T) {
		_, _, err := am.CreateToken(t.Context(), h.john.ID, "second")
		var fields auth.FieldErrors
		if !errors.As(err, &fields) || len(fields["name"]) != 1 {
			t.Fatalf("a second CustomToken for john: %v, want a field error on name", err)
		}
	})
	t.Run("the default model's key is not a custom token", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/customtoken/", exampleForm, map[string]string{"Authorization": "Token " + h.token}), 401, "Invalid token.")
		wantDetail(t, c.do("POST", "/token/", exampleForm, hdr), 401, "Invalid token.")
	})
	t.Run("deactivating deletes the custom model's tokens", func(t *testing.T) {
		u := h.createUser("ringo", "", "password")
		key, _, err := am.CreateToken(t.Context(), u.ID, "cli")
		if err != nil {
			t.Fatal(err)
		}
		ringo := map[string]string{"Authorization": "Token " + key}
		wantStatus(t, c.do("GET", "/customtoken/", nil, ringo), 200)
		if err := am.SetActive(t.Context(), u.ID, false); err != nil {
			t.Fatal(err)
		}
		wantDetail(t, c.do("GET", "/customtoken/", nil, ringo), 401, "Invalid token.")
		if list, err := st.Tokens(t.Context(), u.ID); err != nil || len(list) != 0 {
			t.Fatalf("tokens left after deactivation: %v, %v", list, err)
		}
	})
}
