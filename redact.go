package jessy

import "regexp"

// userinfo matches the credentials of a URL inside any text: the part
// between "scheme://" and "@" before the host.
var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s"'<>]*@`)

// RedactURL returns s, a URL or any text holding URLs, with every URL's
// credentials (user and password, "http://user:pass@host") replaced by
// "***", so that it may be shown to a user, a client or a log. Text
// without credentials is returned unchanged.
func RedactURL(s string) string {
	return userinfo.ReplaceAllString(s, "${1}***@")
}
