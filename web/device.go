package web

import "strings"

// unknownDevice is the label of a session whose User-Agent says nothing recognisable.
const unknownDevice = "Unknown device"

// rule maps a User-Agent substring to a name. The first matching rule wins, so more specific tokens
// come first (Edge and Opera also announce "Chrome", Chrome announces "Safari").
type rule struct{ token, name string }

var clientRules = []rule{
	{"curl/", "curl"},
	{"Wget/", "Wget"},
	{"HTTPie/", "HTTPie"},
	{"PostmanRuntime/", "Postman"},
	{"python-requests/", "Python requests"},
	{"python-httpx/", "Python httpx"},
	{"Go-http-client/", "Go HTTP client"},
	{"okhttp/", "OkHttp"},
}

var browserRules = []rule{
	{"Edg/", "Edge"},
	{"EdgA/", "Edge"},
	{"EdgiOS/", "Edge"},
	{"Edge/", "Edge"},
	{"OPR/", "Opera"},
	{"Opera", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"Vivaldi/", "Vivaldi"},
	{"YaBrowser/", "Yandex Browser"},
	{"FxiOS/", "Firefox"},
	{"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"},
	{"Chromium/", "Chromium"},
	{"Chrome/", "Chrome"},
	{"Safari/", "Safari"},
	{"MSIE ", "Internet Explorer"},
	{"Trident/", "Internet Explorer"},
}

var osRules = []rule{
	{"iPhone", "iOS"},
	{"iPad", "iPadOS"},
	{"iPod", "iOS"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Windows", "Windows"},
	{"Macintosh", "macOS"},
	{"Mac OS X", "macOS"},
	{"Linux", "Linux"},
	{"FreeBSD", "FreeBSD"},
	{"OpenBSD", "OpenBSD"},
}

// deviceLabel turns a User-Agent into a short, friendly label such as "Firefox on Linux",
// "Chrome on Android" or "curl". It recognises the common browsers, operating systems and command-line
// clients and falls back to "Unknown device"; the label is for humans, not for any decision.
func deviceLabel(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return unknownDevice
	}
	if name := match(ua, clientRules); name != "" {
		return name
	}
	browser, os := match(ua, browserRules), match(ua, osRules)
	switch {
	case browser != "" && os != "":
		return browser + " on " + os
	case browser != "":
		return browser
	case os != "":
		return "Browser on " + os
	}
	return unknownDevice
}

func match(ua string, rules []rule) string {
	for _, r := range rules {
		if strings.Contains(ua, r.token) {
			return r.name
		}
	}
	return ""
}
