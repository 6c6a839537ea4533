// Package authapi serves the JSON endpoints of the session API under /api/auth/ (DESIGN §5): a CSRF
// token, login and logout, the caller's account, password change, the caller's sessions and API
// tokens. Every endpoint is a rest.View, so authentication, permissions, throttles, errors and method
// handling follow Django REST framework.
//
// Mount it on a mux served behind the session middleware:
//
//	h := &authapi.Handler{Auth: am, API: api}
//	mux := http.NewServeMux()
//	if err := h.Register(mux); err != nil { … }
//	srv := &http.Server{Handler: sessions.Handler(mux)}
//
// Where it deliberately differs from DRF:
//
//   - Login is CSRF-checked although the caller is anonymous (DRF's APIView is csrf_exempt, which
//     leaves room for login CSRF: an attacker logging the victim into the attacker's account).
//   - Every response carries Cache-Control: no-store, since nearly all of them carry a cookie, a token
//     or account data.
//   - Logout is idempotent: a caller without a valid session also gets 204 (and any stale cookie
//     deleted), so a client never needs to know whether it was still logged in.
package authapi
