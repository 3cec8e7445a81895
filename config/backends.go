package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// use marks the backend name as used, setting it up from the environment
// when the file does not define it.
func (r *resolver) use(name string) { r.ensure(name).Used = true }

// ensure returns the backend name, setting it up from the environment when
// the file does not define it (name is then a kind: validate and the flag
// checks have made sure).
func (r *resolver) ensure(name string) *Backend {
	if b := r.s.Backend(name); b != nil {
		return b
	}
	b := r.fromSpec(BackendSpec{Name: name, Kind: Kind(name)})
	b.FromEnv = true
	r.s.Backends = append(r.s.Backends, b)
	return &r.s.Backends[len(r.s.Backends)-1]
}

// backendFlags applies --base-url, --num-ctx and --keep-alive to the
// default backend.
func (r *resolver) backendFlags() error {
	f := r.flags
	if f.BaseURL == nil && f.NumCtx == nil && f.KeepAlive == nil {
		return nil
	}
	b := r.ensure(r.defBackend)
	if f.BaseURL != nil {
		u := strings.TrimSpace(*f.BaseURL)
		if b.Kind == KindOllama {
			u = ollamaURL(u)
		}
		if err := checkURL(u); err != nil {
			return invalid("--base-url: %v", err)
		}
		b.BaseURL = strings.TrimRight(u, "/")
	}
	if (f.NumCtx != nil || f.KeepAlive != nil) && b.Kind != KindOllama {
		return invalid("--num-ctx and --keep-alive apply only to ollama backends; the default backend %q is %s", b.Name, b.Kind)
	}
	if f.NumCtx != nil {
		if *f.NumCtx < 0 {
			return invalid("--num-ctx must not be negative")
		}
		b.NumCtx = *f.NumCtx
	}
	if f.KeepAlive != nil {
		v := *f.KeepAlive
		b.KeepAlive = &v
	}
	return nil
}

// fromSpec resolves a backend of the file: its base URL (the file's, else
// the kind's variable, else the kind's default) and its key (the file's,
// else the variable named by api_key_env or the kind's default variable).
func (r *resolver) fromSpec(b BackendSpec) Backend {
	out := Backend{Name: b.Name, Kind: b.Kind, BaseURL: b.BaseURL, Concurrency: b.Concurrency,
		MaxWait: b.MaxWait, KeepAlive: b.Options.KeepAlive, NumCtx: b.Options.NumCtx}
	var urlEnv, keyEnv, defURL string
	switch b.Kind {
	case KindOllama:
		urlEnv, defURL = EnvOllamaHost, DefaultOllamaURL
	case KindOpenAI:
		urlEnv, keyEnv, defURL = EnvOpenAIBaseURL, EnvOpenAIKey, DefaultOpenAIURL
	case KindAnthropic:
		urlEnv, keyEnv, defURL = EnvAnthropicBaseURL, EnvAnthropicKey, DefaultAnthropicURL
	}
	if out.BaseURL == "" {
		out.BaseURL = strings.TrimSpace(r.env(urlEnv))
	}
	if out.BaseURL == "" {
		out.BaseURL = defURL
	}
	if b.Kind == KindOllama {
		out.BaseURL = ollamaURL(out.BaseURL)
	}
	out.BaseURL = strings.TrimRight(out.BaseURL, "/")
	if b.APIKeyEnv != "" {
		keyEnv = b.APIKeyEnv
	}
	switch {
	case b.APIKey != "":
		out.APIKey = Secret{value: b.APIKey, inFile: true}
		r.s.Warnings = append(r.s.Warnings, fmt.Sprintf(
			"backend %q: the API key is written in the config file; prefer api_key_env naming a variable that holds it", b.Name))
	case keyEnv != "":
		out.APIKey = Secret{value: strings.TrimSpace(r.env(keyEnv)), env: keyEnv}
	}
	return out
}

// ollamaURL reads an Ollama host as Ollama's client does: a host without a
// scheme gets http://, and one without a port gets 11434.
func ollamaURL(host string) string {
	if strings.Contains(host, "://") {
		return host
	}
	u, err := url.Parse("http://" + host)
	if err != nil || u.Hostname() == "" {
		return host // checkURL reports it
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "11434")
	}
	return u.String()
}
