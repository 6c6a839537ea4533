package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestStylesheet(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	page := c.get("/login")
	wantBody(t, page, `<link rel="stylesheet" href="/static/style.css?v=`+cssVersion+`">`)

	resp := c.get("/static/style.css")
	wantStatus(t, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") || strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want cacheable", cc)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}
	if len(resp.Cookies()) != 0 || resp.Header.Get("Vary") != "" {
		t.Error("the stylesheet depends on cookies")
	}
	if resp.body != string(css) || !strings.Contains(resp.body, "font-family: system-ui") {
		t.Error("unexpected stylesheet")
	}

	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/static/style.css", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	wantStatus(t, c.do(req), http.StatusNotModified)
}
