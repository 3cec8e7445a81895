package jessy

import "testing"

func TestHostNeedsKey(t *testing.T) {
	for host, want := range map[string]bool{
		"api.openai.com": true, "OpenRouter.ai": true, "api.groq.com": true,
		"127.0.0.1": false, "localhost": false, "notopenai.com": false, "openai.com.example": false,
	} {
		if got := HostNeedsKey(host); got != want {
			t.Errorf("HostNeedsKey(%q) = %v, want %v", host, got, want)
		}
	}
}
