package redis

import (
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url    string
		check  func(*URLOptions) bool
		sayWhy string
	}{
		{"redis://127.0.0.1", func(u *URLOptions) bool {
			return u.Client.InitAddress[0] == "127.0.0.1:6379" && u.Client.SelectDB == 0 && u.Client.ForceSingleClient &&
				u.Client.TLSConfig == nil
		}, "default port, db 0, one server"},
		{"redis://u:p%40ss@h:6380/3", func(u *URLOptions) bool {
			return u.Client.Username == "u" && u.Client.Password == "p@ss" && u.Client.InitAddress[0] == "h:6380" &&
				u.Client.SelectDB == 3
		}, "credentials unescaped, port, database"},
		{"rediss://h/1?skip_verify=true", func(u *URLOptions) bool {
			return u.Client.TLSConfig != nil && u.Client.TLSConfig.InsecureSkipVerify
		}, "TLS"},
		{"redis://[::1]:7000", func(u *URLOptions) bool { return u.Client.InitAddress[0] == "[::1]:7000" }, "IPv6"},
		{"redis+cluster://h1:7001,h2:7002/?addr=[::1]:7003", func(u *URLOptions) bool {
			return !u.Client.ForceSingleClient && strings.Join(u.Client.InitAddress, ",") == "h1:7001,h2:7002,[::1]:7003"
		}, "cluster seeds"},
		{"redis+sentinel://s1,s2:26380/mymaster/2?sentinel_password=sp", func(u *URLOptions) bool {
			return u.Client.Sentinel.MasterSet == "mymaster" && u.Client.SelectDB == 2 &&
				strings.Join(u.Client.InitAddress, ",") == "s1:26379,s2:26380" && u.Client.Sentinel.Password == "sp"
		}, "sentinel with database and its own password"},
		{"redis://h?timeout=250ms&dial_timeout=2&client_cache=30s&retry=false&client_name=x", func(u *URLOptions) bool {
			return u.Timeout == 250*time.Millisecond && u.Client.Dialer.Timeout == 2*time.Second &&
				u.ClientCache == 30*time.Second && u.Client.DisableRetry && u.Client.ClientName == "x"
		}, "query parameters"},
		{"redis://h?protocol=2", func(u *URLOptions) bool { return u.Client.AlwaysRESP2 }, "RESP2"},
		{"redis://h?flush_delay=50us", func(u *URLOptions) bool { return u.FlushDelay == 50*time.Microsecond }, "flush delay"},
	} {
		u, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if !tc.check(u) {
			t.Errorf("%s: %s: got %+v", tc.url, tc.sayWhy, u.Client)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	const secret = "s3cr3t"
	for url, want := range map[string]string{
		"127.0.0.1:6379":                                "must start with",
		"http://h":                                      `unknown store URL scheme "http"`,
		"redis://h/x":                                   "want a number",
		"redis://h/1/2":                                 "want /<database number>",
		"redis://h1,h2":                                 "names one server",
		"redis+cluster://h:1/0":                         "only database 0",
		"redis+sentinel://h":                            "needs the master name",
		"redis://h:99999":                               "port must be",
		"redis://::1":                                   "brackets",
		"redis://h?pool_size=3":                         "unknown store URL query parameter",
		"redis://h?timeout=-1s":                         "positive duration",
		"redis://h?skip_verify=true":                    "needs a TLS scheme",
		"redis://h?addr=h2:1":                           "for redis+cluster",
		"redis://h?sentinel_password=x":                 "for redis+sentinel",
		"redis://h?protocol=2&client_cache=1s":          "needs protocol 3",
		"redis://h?timeout=1s&timeout=2s":               "given 2 times",
		"redis://h#frag":                                "fragment",
		"redis://u:" + secret + "/x@h":                  "malformed",
		"redis://u:" + secret + "%zz@h":                 "invalid %-escape",
		"redis://h?sentinel_password=" + secret + "%zz": "malformed",
	} {
		_, err := ParseURL(url)
		if err == nil {
			t.Errorf("%s: accepted", url)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want it to say %q", url, err, want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the password: %v", url, err)
		}
	}
}
