package jessy

import "strings"

// hostsNeedingKey are hosted OpenAI-compatible APIs that refuse calls
// without a key. Any other host may be a local or self-hosted server that
// needs none.
var hostsNeedingKey = []string{
	"openai.com", "openrouter.ai", "groq.com", "together.xyz", "together.ai",
	"deepseek.com", "mistral.ai", "fireworks.ai", "x.ai",
}

// HostNeedsKey reports whether host (a host name, without port) is a hosted
// OpenAI-compatible API that refuses calls without a key: api.openai.com,
// OpenRouter, Groq and the like, and their subdomains.
func HostNeedsKey(host string) bool {
	host = strings.ToLower(host)
	for _, h := range hostsNeedingKey {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}
