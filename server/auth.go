package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// keyring holds the SHA-256 digests of the accepted API keys. Keys are
// hashed so that every comparison runs over the same fixed length and takes
// the same time whatever the key presented; the keys themselves are not
// kept, logged or echoed.
type keyring struct {
	digests [][sha256.Size]byte
}

func newKeyring(keys []string) (*keyring, error) {
	k := &keyring{}
	for _, key := range keys {
		key = strings.TrimSpace(key)
		if key == "" {
			continue
		}
		if strings.ContainsAny(key, " \t\r\n") {
			return nil, errors.New("server: an API key must not contain white space")
		}
		k.digests = append(k.digests, sha256.Sum256([]byte(key)))
	}
	return k, nil
}

func (k *keyring) empty() bool { return len(k.digests) == 0 }

// allows reports whether token is one of the keys. It compares against
// every key, in constant time for each.
func (k *keyring) allows(token string) bool {
	d := sha256.Sum256([]byte(token))
	match := 0
	for i := range k.digests {
		match |= subtle.ConstantTimeCompare(d[:], k.digests[i][:])
	}
	return match == 1
}

// auth requires a valid "Authorization: Bearer KEY" on h when keys are set.
// A request without one gets 401 with an OpenAI-style error body.
func (s *Server) auth(h http.Handler) http.Handler {
	if s.keys.empty() {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r.Header.Get("Authorization"))
		if !ok || !s.keys.allows(token) {
			msg := "invalid API key: send Authorization: Bearer <key> with a key the server was started with"
			if !ok {
				msg = "missing API key: send Authorization: Bearer <key>"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="jessy"`)
			writeError(w, &apiError{Status: http.StatusUnauthorized, Type: typeInvalidRequest,
				Code: "invalid_api_key", Message: msg})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// bearer extracts the token of an "Authorization: Bearer TOKEN" header.
func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	t := strings.TrimSpace(h[len(prefix):])
	return t, t != ""
}
