package redis

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// Default ports when a URL names a host without one.
const (
	defaultPort         = "6379"
	defaultSentinelPort = "26379"
)

// errSyntax is the message for URLs that cannot be split safely. It never quotes the URL, since the
// part that failed may be a password with an unescaped special character.
var errSyntax = errors.New("redis: the store URL is malformed; percent-encode special characters " +
	"(: / ? # @ %) in the user name and password")

// urlKind tells which client a URL asks for.
type urlKind int

const (
	kindStandalone urlKind = iota
	kindCluster
	kindSentinel
)

// URLOptions is what ParseURL makes of a store URL.
type URLOptions struct {
	Client      rueidis.ClientOption // servers, credentials, database, TLS, Sentinel
	Timeout     time.Duration        // the timeout parameter (Options.Timeout); 0 when absent
	ClientCache time.Duration        // the client_cache parameter (Options.ClientCache); 0 when absent
	FlushDelay  time.Duration        // the flush_delay parameter; 0 when absent
}

// describe names the servers for error messages (never the password).
func (u *URLOptions) describe() string {
	addrs := strings.Join(u.Client.InitAddress, ",")
	switch {
	case u.Client.Sentinel.MasterSet != "":
		return fmt.Sprintf("master %q through sentinel %s", u.Client.Sentinel.MasterSet, addrs)
	case !u.Client.ForceSingleClient:
		return "cluster " + addrs
	default:
		return addrs
	}
}

// ParseURL parses the URL forms the server's --session-store flag accepts into client options:
//
//	redis://[user:pass@]host[:port][/db]                         one server (port 6379, db 0 by default)
//	rediss://...                                                 the same over TLS
//	redis+cluster://[user:pass@]host:port[,host:port...][/]      Redis Cluster seed nodes (db 0 only)
//	rediss+cluster://...                                         the same over TLS
//	redis+sentinel://[user:pass@]host:port[,host:port...]/master[/db]
//	                                                             Sentinel nodes (port 26379 by default)
//	rediss+sentinel://...                                        the same over TLS
//
// The user name and password are those of the Redis servers; Sentinels that require their own
// credentials take them from the sentinel_username and sentinel_password query parameters. Special
// characters in credentials must be percent-encoded.
//
// Query parameters: timeout (the bound of each call, Options.Timeout) and dial_timeout (Go durations
// such as 500ms, or whole seconds), client_cache (a duration: Options.ClientCache, off by default),
// flush_delay (how long the client may hold commands to write them together: fewer system calls
// when many commands are in flight, for that much latency; absent: each is written at once),
// retry (true/false: retry idempotent commands after a broken connection; true by default),
// client_name, protocol (3, the default, or 2; client_cache needs 3), skip_verify (true/false, TLS
// only: do not verify the server certificate), addr (more host:port seed nodes; cluster and sentinel
// only, may repeat; the way to list several IPv6 nodes), sentinel_username and sentinel_password
// (sentinel only). Unknown parameters are errors. Nothing that would send reads to replicas is
// accepted.
//
// Errors say which part of the URL is wrong and never contain the password.
func ParseURL(rawURL string) (*URLOptions, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, errors.New("redis: the store URL must start with redis://, rediss://, redis+cluster://, " +
			"rediss+cluster://, redis+sentinel:// or rediss+sentinel://")
	}
	u := &URLOptions{}
	o := &u.Client
	var kind urlKind
	port := defaultPort
	secure := false
	switch strings.ToLower(scheme) {
	case "redis":
	case "rediss":
		secure = true
	case "redis+cluster":
		kind = kindCluster
	case "rediss+cluster":
		kind, secure = kindCluster, true
	case "redis+sentinel":
		kind, port = kindSentinel, defaultSentinelPort
	case "rediss+sentinel":
		kind, port, secure = kindSentinel, defaultSentinelPort, true
	default:
		// The scheme is everything before "://", which cannot hold a password unless it is garbage;
		// quote it only when it looks like a scheme.
		if validScheme(scheme) {
			return nil, fmt.Errorf("redis: unknown store URL scheme %q; want redis, rediss, redis+cluster, "+
				"rediss+cluster, redis+sentinel or rediss+sentinel", scheme)
		}
		return nil, errSyntax
	}
	if secure {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}

	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	// A password with an unescaped / ? or # ends the authority early and leaves its '@' behind.
	if strings.Contains(tail, "@") {
		return nil, errSyntax
	}
	hostList := authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo := authority[:i]
		hostList = authority[i+1:]
		user, pass, hasPass := strings.Cut(userinfo, ":")
		var err error
		if o.Username, err = url.PathUnescape(user); err != nil {
			return nil, errors.New("redis: the user name in the store URL has an invalid %-escape")
		}
		if hasPass {
			if o.Password, err = url.PathUnescape(pass); err != nil {
				return nil, errors.New("redis: the password in the store URL has an invalid %-escape")
			}
		}
	}
	if strings.Contains(tail, "#") {
		return nil, errors.New("redis: the store URL must not have a #fragment")
	}
	path, rawQuery, _ := strings.Cut(tail, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		// Not quoted: the bad escape may be in sentinel_password.
		return nil, errors.New("redis: the query of the store URL is malformed (check its %-escapes)")
	}

	if hostList != "" {
		for _, h := range strings.Split(hostList, ",") {
			addr, err := hostPort(h, port)
			if err != nil {
				return nil, err
			}
			o.InitAddress = append(o.InitAddress, addr)
		}
	}

	segs, err := pathSegments(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindStandalone:
		// A standalone URL means one server, even if it is a Cluster node: no topology discovery.
		o.ForceSingleClient = true
		switch len(segs) {
		case 0:
		case 1:
			if o.SelectDB, err = dbNumber(segs[0]); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("redis: store URL path %q: want /<database number>", path)
		}
	case kindCluster:
		if len(segs) > 0 {
			return nil, fmt.Errorf("redis: cluster URL path %q: a Redis Cluster has only database 0; "+
				"remove the path", path)
		}
	case kindSentinel:
		switch len(segs) {
		case 2:
			if o.SelectDB, err = dbNumber(segs[1]); err != nil {
				return nil, err
			}
			fallthrough
		case 1:
			o.Sentinel.MasterSet = segs[0]
		case 0:
			return nil, errors.New("redis: sentinel URL needs the master name as its path: " +
				"redis+sentinel://host:26379/<master name>[/<db>]")
		default:
			return nil, fmt.Errorf("redis: sentinel URL path %q: want /<master name>[/<db>]", path)
		}
		// The Sentinels themselves: same TLS as the servers, their own credentials from the query.
		o.Sentinel.TLSConfig = o.TLSConfig
	}

	if err := applyQuery(u, kind, query, port); err != nil {
		return nil, err
	}
	switch {
	case len(o.InitAddress) == 0:
		return nil, errors.New("redis: the store URL names no host")
	case kind == kindStandalone && len(o.InitAddress) > 1:
		return nil, errors.New("redis: a redis:// URL names one server; use redis+cluster:// or " +
			"redis+sentinel:// for several hosts")
	case u.ClientCache > 0 && o.AlwaysRESP2:
		return nil, errors.New("redis: store URL query parameter client_cache needs protocol 3")
	}
	return u, nil
}

func validScheme(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// hostPort validates one host[:port] of the host list and adds the default port.
func hostPort(h, defPort string) (string, error) {
	if h == "" {
		return "", errors.New("redis: the store URL has an empty host (check the commas in the host list)")
	}
	host, port := h, ""
	switch {
	case strings.HasPrefix(h, "["):
		end := strings.Index(h, "]")
		if end < 0 {
			return "", fmt.Errorf("redis: store URL host %q: unclosed IPv6 bracket", h)
		}
		host = h[1:end]
		switch after := h[end+1:]; {
		case after == "":
		case strings.HasPrefix(after, ":"):
			port = after[1:]
		default:
			return "", fmt.Errorf("redis: store URL host %q: unexpected text after the IPv6 address", h)
		}
		if net.ParseIP(host) == nil {
			return "", fmt.Errorf("redis: store URL host %q: not an IPv6 address", h)
		}
	case strings.Count(h, ":") > 1:
		return "", fmt.Errorf("redis: store URL host %q: put IPv6 addresses in brackets, [::1]:6379", h)
	case strings.Contains(h, ":"):
		host, port, _ = strings.Cut(h, ":")
	}
	if host == "" {
		return "", fmt.Errorf("redis: store URL host %q: missing host name", h)
	}
	if strings.ContainsAny(host, " /\\%") {
		return "", fmt.Errorf("redis: store URL host %q: invalid host name", h)
	}
	if port == "" {
		port = defPort
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("redis: store URL host %q: port must be a number from 1 to 65535", h)
	}
	return net.JoinHostPort(host, port), nil
}

// pathSegments splits the URL path into unescaped, non-empty segments; "" and "/" give none.
func pathSegments(path string) ([]string, error) {
	var segs []string
	trimmed := strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	if trimmed == "" {
		return nil, nil
	}
	for _, s := range strings.Split(trimmed, "/") {
		u, err := url.PathUnescape(s)
		if err != nil || u == "" {
			return nil, fmt.Errorf("redis: store URL path %q is malformed", path)
		}
		segs = append(segs, u)
	}
	return segs, nil
}

func dbNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("redis: store URL database %q: want a number, 0 or more", s)
	}
	return n, nil
}

// applyQuery sets options from the URL's query parameters.
func applyQuery(u *URLOptions, kind urlKind, q url.Values, defPort string) error {
	o := &u.Client
	for name, vals := range q {
		if name != "addr" && len(vals) > 1 {
			return fmt.Errorf("redis: store URL query parameter %s is given %d times", name, len(vals))
		}
		v := vals[len(vals)-1]
		var err error
		switch name {
		case "timeout":
			u.Timeout, err = duration(name, v)
		case "dial_timeout":
			o.Dialer.Timeout, err = duration(name, v)
		case "client_cache":
			u.ClientCache, err = duration(name, v)
		case "flush_delay":
			u.FlushDelay, err = duration(name, v)
		case "retry":
			var retry bool
			retry, err = boolean(name, v)
			o.DisableRetry = !retry
		case "client_name":
			o.ClientName = v
		case "protocol":
			if v != "2" && v != "3" {
				return fmt.Errorf("redis: store URL query parameter protocol=%q: want 2 or 3", v)
			}
			o.AlwaysRESP2 = v == "2"
		case "skip_verify":
			if o.TLSConfig == nil {
				return errors.New("redis: store URL query parameter skip_verify needs a TLS scheme (rediss://...)")
			}
			o.TLSConfig.InsecureSkipVerify, err = boolean(name, v)
		case "addr":
			if kind == kindStandalone {
				return errors.New("redis: store URL query parameter addr is for redis+cluster:// and " +
					"redis+sentinel:// URLs")
			}
			for _, a := range vals {
				addr, err := hostPort(a, defPort)
				if err != nil {
					return err
				}
				o.InitAddress = append(o.InitAddress, addr)
			}
		case "sentinel_username", "sentinel_password":
			if kind != kindSentinel {
				return fmt.Errorf("redis: store URL query parameter %s is for redis+sentinel:// URLs", name)
			}
			if name == "sentinel_username" {
				o.Sentinel.Username = v
			} else {
				o.Sentinel.Password = v
			}
		default:
			return fmt.Errorf("redis: unknown store URL query parameter %q (known: timeout, dial_timeout, "+
				"client_cache, flush_delay, retry, client_name, protocol, skip_verify, addr, sentinel_username, "+
				"sentinel_password)", name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func duration(name, v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("redis: store URL query parameter %s=%q: want a positive duration such as 500ms or 3s", name, v)
	}
	return d, nil
}

func boolean(name, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("redis: store URL query parameter %s=%q: want true or false", name, v)
	}
	return b, nil
}
