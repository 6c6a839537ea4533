package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/throttle"
)

func passwordForm(old, new1, new2 string) url.Values {
	return url.Values{"old_password": {old}, "new_password1": {new1}, "new_password2": {new2}}
}

func TestAccountShowsPasswordForm(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)
	resp := c.get("/account")
	wantBody(t, resp,
		`<form method="post" action="/account/password"`,
		`<label for="id_old_password">Old password</label>`,
		`type="password" id="id_old_password" name="old_password" autocomplete="current-password"`,
		`<label for="id_new_password1">New password</label>`,
		`type="password" id="id_new_password1" name="new_password1" autocomplete="new-password"`,
		`<label for="id_new_password2">New password confirmation</label>`,
		`type="password" id="id_new_password2" name="new_password2" autocomplete="new-password"`,
	)
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	a, b := e.client(uaFirefoxLinux), e.client(uaChromeAndroid)
	a.login("alice", false)
	b.login("alice", false)
	keyBefore := a.jarCookie("sessionid")

	a.get("/account")
	resp := a.post("/account/password", passwordForm(goodPass, newPass, newPass))
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/account" {
		t.Errorf("Location = %q, want /account", loc)
	}
	if a.jarCookie("sessionid") == keyBefore {
		t.Error("the session key was not cycled by the password change")
	}
	page := a.get("/account")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, msgPasswordChanged)
	if b.signedIn() {
		t.Error("the other session survived the password change")
	}
	if _, err := e.am.Authenticate(t.Context(), "alice", newPass, "192.0.2.1"); err != nil {
		t.Errorf("the new password does not authenticate: %v", err)
	}
	if _, err := e.am.Authenticate(t.Context(), "alice", goodPass, "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("the old password still authenticates: %v", err)
	}
}

func TestChangePasswordErrors(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", false, false)
	cases := []struct {
		name      string
		form      url.Values
		field     string // the field whose errors must be shown
		message   string
		notFields []string
	}{
		{"WrongOld", passwordForm("wrong-old-password", newPass, newPass), "old_password", "The old password is incorrect.", nil},
		{"Mismatch", passwordForm(goodPass, newPass, newPass+"x"), "new_password2", "The two password fields didn’t match.", []string{"old_password"}},
		{"TooShort", passwordForm(goodPass, "x7!", "x7!"), "new_password1", "This password is too short.", nil},
		{"Common", passwordForm(goodPass, "iloveyou", "iloveyou"), "new_password1", "This password is too common.", nil},
		{"Missing", passwordForm("", "", ""), "old_password", "This field is required.", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := e.client(""), e.client("")
			a.login("alice", false)
			b.login("alice", false)
			a.get("/account")
			resp := a.post("/account/password", tc.form)
			wantStatus(t, resp, http.StatusOK)
			wantBody(t, resp, msgPasswordErrors, `aria-invalid="true" aria-describedby="id_`+tc.field+`_errors"`)
			list := resp.body[strings.Index(resp.body, `<ul class="field-errors" id="id_`+tc.field+`_errors">`):]
			list = list[:strings.Index(list, "</ul>")]
			if !strings.Contains(list, tc.message) {
				t.Errorf("errors of %s = %s, want %q", tc.field, list, tc.message)
			}
			for _, f := range tc.notFields {
				wantNotBody(t, resp, `id="id_`+f+`_errors"`)
			}
			for _, pw := range tc.form {
				if pw[0] != "" && strings.Contains(resp.body, pw[0]) {
					t.Errorf("the page shows a submitted password %q", pw[0])
				}
			}
			if !b.signedIn() || !a.signedIn() {
				t.Error("a failed password change ended a session")
			}
		})
	}
	if _, err := e.am.Authenticate(t.Context(), "alice", goodPass, "192.0.2.1"); err != nil {
		t.Errorf("the password changed after failures: %v", err)
	}
}

func TestChangePasswordThrottled(t *testing.T) {
	e := newEnv(t, func(m *auth.Manager) {
		m.Throttle.Account = []throttle.Rate{{N: 2, Period: time.Minute}}
	})
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false) // a success clears the account's count
	c.get("/account")
	for range 2 {
		wantStatus(t, c.post("/account/password", passwordForm("wrong-old-password", newPass, newPass)), http.StatusOK)
	}
	resp := c.post("/account/password", passwordForm(goodPass, newPass, newPass))
	wantStatus(t, resp, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
	}
	wantBody(t, resp, "Please try again later.")
}
