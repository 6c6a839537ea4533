package web

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
)

// samplePages renders every page in its fullest state: a staff superuser, sessions, tokens, a new
// key, and errors on every field.
func samplePages(t *testing.T) map[string]string {
	t.Helper()
	h := &Handler{Auth: &auth.Manager{CSRF: &csrf.Policy{}}}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &auth.User{ID: 1, Username: "alice", Email: "alice@example.com", IsActive: true, IsStaff: true, IsSuperuser: true, LastLogin: now, DateJoined: now}
	base := func(title string, u *auth.User) layout {
		l := h.base(title, u)
		l.CSRFToken = strings.Repeat("a", 64)
		l.Flash, l.Error = "Done.", "Something failed."
		return l
	}
	data := map[string]any{
		"login": loginPage{layout: base("Sign in", nil), Username: "alice", Next: "/account", Remember: true},
		"home":  homePage{layout: base("Home", u)},
		"account": accountPage{
			layout: base("Your account", u),
			Sessions: []auth.SessionInfo{
				{ID: "0123456789abcdef0123", Created: now, LastSeen: now, IP: "192.0.2.1", UserAgent: uaFirefoxLinux, Current: true},
				{ID: "abcdef0123456789abcd", Created: now, LastSeen: now, IP: "2001:db8::1", UserAgent: "curl/8.5.0"},
			},
			PasswordErrors: map[string][]string{"old_password": {"a"}, "new_password1": {"b", "c"}, "new_password2": {"d"}},
			TokensEnabled:  true,
			Tokens:         []*auth.Token{{ID: 7, Name: "laptop", Created: now}},
			TokenErrors:    []string{"e"},
			NewToken:       &newToken{Name: "laptop", Key: strings.Repeat("f", 40)},
		},
		"error": errorPage{layout: base("Service Unavailable", nil), Message: statusMessages[503]},
	}
	out := map[string]string{}
	for name := range pages {
		d, ok := data[name]
		if !ok {
			t.Fatalf("no sample data for page %q", name)
		}
		var buf bytes.Buffer
		if err := pages[name].ExecuteTemplate(&buf, "base", d); err != nil {
			t.Fatalf("page %q: %v", name, err)
		}
		out[name] = buf.String()
	}
	return out
}

var (
	labelFor  = regexp.MustCompile(`<label for="([^"]+)"`)
	idAttr    = regexp.MustCompile(`\sid="([^"]+)"`)
	described = regexp.MustCompile(`aria-describedby="([^"]+)"`)
	external  = regexp.MustCompile(`(?i)(src|href|action)="(https?:)?//`)
	inputTag  = regexp.MustCompile(`<input\b[^>]*>`)
	buttonTag = regexp.MustCompile(`<button\b[^>]*>`)
)

// TestPageStructure checks what the pages promise to browsers and assistive technology.
func TestPageStructure(t *testing.T) {
	for name, page := range samplePages(t) {
		t.Run(name, func(t *testing.T) {
			for _, want := range []string{
				"<!DOCTYPE html>", `<html lang="en">`, `<meta charset="utf-8">`, `<meta name="viewport"`,
				"<header", "<main", "<footer", `<nav aria-label=`, `aria-live="polite"`, `role="alert"`,
				" · sessionauth</title>", `href="#main"`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("lacks %q", want)
				}
			}
			if n := strings.Count(page, "<h1"); n != 1 {
				t.Errorf("%d h1 elements, want 1", n)
			}
			for _, banned := range []string{"<script", " style=", "<style", "javascript:", " onclick", " onsubmit"} {
				if strings.Contains(strings.ToLower(page), banned) {
					t.Errorf("contains %q: the CSP would block it", banned)
				}
			}
			if m := external.FindString(page); m != "" {
				t.Errorf("external resource %q", m)
			}
			ids := map[string]bool{}
			for _, m := range idAttr.FindAllStringSubmatch(page, -1) {
				if ids[m[1]] {
					t.Errorf("duplicate id %q", m[1])
				}
				ids[m[1]] = true
			}
			for _, m := range labelFor.FindAllStringSubmatch(page, -1) {
				if !ids[m[1]] {
					t.Errorf(`<label for=%q> names no element`, m[1])
				}
			}
			for _, m := range described.FindAllStringSubmatch(page, -1) {
				if !ids[m[1]] {
					t.Errorf(`aria-describedby=%q names no element`, m[1])
				}
			}
			for _, in := range inputTag.FindAllString(page, -1) {
				if strings.Contains(in, `type="hidden"`) {
					continue
				}
				id := idAttr.FindStringSubmatch(in)
				if id == nil || !strings.Contains(page, `<label for="`+id[1]+`"`) {
					t.Errorf("input without a label: %s", in)
				}
			}
			for _, b := range buttonTag.FindAllString(page, -1) {
				if !strings.Contains(b, `type="submit"`) {
					t.Errorf("button without a type: %s", b)
				}
			}
			if strings.Contains(page, "<table") && (!strings.Contains(page, `<th scope="col">`) || !strings.Contains(page, `<th scope="row">`)) {
				t.Error("table without column and row headers")
			}
		})
	}
}

// TestEveryFormHasCSRFToken: every POST form carries the token field.
func TestEveryFormHasCSRFToken(t *testing.T) {
	form := regexp.MustCompile(`(?s)<form method="post"[^>]*>(.*?)</form>`)
	for name, page := range samplePages(t) {
		forms := form.FindAllStringSubmatch(page, -1)
		if strings.Count(page, "<form") != len(forms) {
			t.Errorf("%s: a form does not use method=\"post\"", name)
		}
		for _, f := range forms {
			if !strings.Contains(f[1], `<input type="hidden" name="csrfmiddlewaretoken" value="`+strings.Repeat("a", 64)+`">`) {
				t.Errorf("%s: form without the CSRF token: %s", name, f[0])
			}
		}
	}
}

func TestCSRFFieldNameFollowsPolicy(t *testing.T) {
	h := &Handler{Auth: &auth.Manager{CSRF: &csrf.Policy{}}}
	if got := h.base("x", nil).CSRFField; got != "csrfmiddlewaretoken" {
		t.Errorf("default field = %q", got)
	}
	h = &Handler{Auth: &auth.Manager{CSRF: &csrf.Policy{FieldName: "token"}}}
	if got := h.base("x", nil).CSRFField; got != "token" {
		t.Errorf("field = %q, want the policy's", got)
	}
}

func TestShowTime(t *testing.T) {
	if got := showTime(time.Time{}); got != "never" {
		t.Errorf("showTime(zero) = %q", got)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 3600))
	if got := showTime(at); got != "4 Mar 2026, 04:06 UTC" {
		t.Errorf("showTime = %q", got)
	}
	if got := isoTime(at); got != "2026-03-04T04:06:07Z" {
		t.Errorf("isoTime = %q", got)
	}
	if isoTime(time.Time{}) != "" {
		t.Error("isoTime(zero) not empty")
	}
}

func TestRenderErrorIs500(t *testing.T) {
	h := &Handler{Auth: &auth.Manager{CSRF: &csrf.Policy{}}, Logger: quiet}
	rec := httptest.NewRecorder()
	h.render(rec, httptest.NewRequest("GET", "/", nil), 200, "home", struct{}{}) // wrong data type
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("status %d, body %q: want a clean 500", rec.Code, rec.Body.String())
	}
}
