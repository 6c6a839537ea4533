package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/sessionauth/sessionauth/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one template set per page: the shared layout (base.html) plus the page's "content".
var pages = parsePages("login", "home", "account", "error")

var funcs = template.FuncMap{
	"isoTime":  isoTime,
	"showTime": showTime,
	"device":   deviceLabel,
	"fieldOf":  fieldOf,
}

func parsePages(names ...string) map[string]*template.Template {
	base := template.Must(template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
	out := make(map[string]*template.Template, len(names))
	for _, name := range names {
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return out
}

// layout is what every page shows around its content.
type layout struct {
	Title     string     // the page's own title; the document title is "Title · sessionauth"
	User      *auth.User // the signed-in user, shown in the header; nil when anonymous or unknown
	CSRFField string     // the name of the form field carrying the token
	CSRFToken string     // the token for the page's forms, including the header's sign-out button
	Flash     string     // a confirmation, announced politely
	Error     string     // a page-level error, announced at once
	CSS       string     // the stylesheet's URL
}

// formField is one input of a form, with its errors, for the "password-field" template.
type formField struct {
	Name, Label, Autocomplete string
	Errors                    []string
}

func fieldOf(name, label, autocomplete string, errs map[string][]string) formField {
	return formField{Name: name, Label: label, Autocomplete: autocomplete, Errors: errs[name]}
}

// isoTime formats t for a <time datetime> attribute.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// showTime formats t for people; the zero time (a user who never signed in) reads "never".
func showTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// render executes page into a buffer first, so that a template error becomes a clean 500 rather than
// half a page, then writes it with status. The caller has set the security headers.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "base", data); err != nil {
		h.logger().Error("web: rendering a page", "page", page, "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("Internal server error.\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
