// Package clientip tells who is calling: the client's address and whether the request came over
// HTTPS, believing X-Forwarded-For and X-Forwarded-Proto only from configured proxy addresses.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver answers from the connection unless the peer is a trusted proxy. Its zero value trusts no
// proxy, which is the safe default: a forwarded header from anyone else is just something the client
// wrote.
type Resolver struct {
	// TrustedProxies are the peer addresses whose X-Forwarded-For and X-Forwarded-Proto are believed
	// (see ParsePrefixes); nil trusts none.
	TrustedProxies []netip.Prefix
}

// ParsePrefixes parses a comma-separated list of CIDRs or single addresses ("10.0.0.0/8, 127.0.0.1").
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("clientip: %q is not a CIDR: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("clientip: %q is not an IP address or CIDR", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (res *Resolver) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range res.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peer(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// IP returns the client's address. When the peer is a trusted proxy, it walks X-Forwarded-For from the
// right, skipping trusted proxies, and returns the first address a trusted proxy vouched for.
func (res *Resolver) IP(r *http.Request) string {
	a, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if len(res.TrustedProxies) == 0 || !res.trusted(a) {
		return a.String()
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // garbage to the left of a trusted hop was written by the client
		}
		a = h.Unmap()
		if !res.trusted(a) {
			break
		}
	}
	return a.String()
}

// IsSecure reports whether the client reached us over HTTPS: TLS on this connection, or a trusted
// proxy saying so in X-Forwarded-Proto.
func (res *Resolver) IsSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(res.TrustedProxies) == 0 {
		return false
	}
	if a, ok := peer(r); !ok || !res.trusted(a) {
		return false
	}
	proto := r.Header.Get("X-Forwarded-Proto")
	if i := strings.IndexByte(proto, ','); i >= 0 {
		proto = proto[:i] // the first proxy's view of the client
	}
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func forwardedFor(h http.Header) []string {
	var out []string
	for _, line := range h.Values("X-Forwarded-For") {
		for _, f := range strings.Split(line, ",") {
			out = append(out, strings.TrimSpace(f))
		}
	}
	return out
}
