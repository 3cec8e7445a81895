package server

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jessy-llm/jessy"
)

// metrics are the server's Prometheus metrics, registered on the
// configured registry. Their names are documented in docs/server.md.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec   // route, code
	runs         *prometheus.CounterVec   // outcome: ok, failed, canceled
	rejected     prometheus.Counter       // admission control 429s
	thoughts     *prometheus.CounterVec   // backend, outcome: ok, failed, canceled
	retries      *prometheus.CounterVec   // backend, call: thought, synthesis
	phase        *prometheus.HistogramVec // phase: thinking, synthesis, total
	call         *prometheus.HistogramVec // backend, call
	runsInFlight prometheus.Gauge
	callsFlight  *prometheus.GaugeVec // backend
	queued       prometheus.Gauge
	tokens       *prometheus.CounterVec // backend, type: prompt, completion
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	buckets := prometheus.ExponentialBuckets(0.05, 2, 14) // 50ms .. ~7min
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jessy_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jessy_runs_total",
			Help: "Runs by outcome: ok, failed, canceled."}, []string{"outcome"}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "jessy_runs_rejected_total",
			Help: "Requests turned away by admission control (429)."}),
		thoughts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jessy_thoughts_total",
			Help: "Thoughts by backend and outcome: ok, failed, canceled."}, []string{"backend", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jessy_retries_total",
			Help: "Retried attempts by backend and call (thought, synthesis)."}, []string{"backend", "call"}),
		phase: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jessy_phase_duration_seconds",
			Help: "Duration of run phases: thinking, synthesis, total.", Buckets: buckets}, []string{"phase"}),
		call: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jessy_call_duration_seconds",
			Help: "Duration of model calls, retries included, by backend and call.", Buckets: buckets}, []string{"backend", "call"}),
		runsInFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "jessy_runs_in_flight",
			Help: "Runs in progress."}),
		callsFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "jessy_calls_in_flight",
			Help: "Model calls in progress (including those waiting for the backend's gate) by backend."}, []string{"backend"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{Name: "jessy_queue_length",
			Help: "Requests waiting for a run slot."}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jessy_tokens_total",
			Help: "Tokens by backend and type (prompt, completion), as backends reported them."}, []string{"backend", "type"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.runs, m.rejected, m.thoughts, m.retries, m.phase,
		m.call, m.runsInFlight, m.callsFlight, m.queued, m.tokens} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) request(route string, code int) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

// runObserver turns one run's events into metrics. Like the sink it sits
// in, it is called from one goroutine.
type runObserver struct {
	m *metrics
	// open are the calls counted in jessy_calls_in_flight, by key.
	open map[int]string
}

// synthesisKey keys the synthesis call in runObserver.open.
const synthesisKey = -1

// begin counts a run in flight and returns its observer.
func (m *metrics) begin() *runObserver {
	m.runsInFlight.Inc()
	return &runObserver{m: m, open: make(map[int]string)}
}

func (o *runObserver) openCall(key int, backend string) {
	o.closeCall(key)
	o.open[key] = backend
	o.m.callsFlight.WithLabelValues(backend).Inc()
}

func (o *runObserver) closeCall(key int) {
	if b, ok := o.open[key]; ok {
		o.m.callsFlight.WithLabelValues(b).Dec()
		delete(o.open, key)
	}
}

// observe records ev.
func (o *runObserver) observe(ev jessy.Event) {
	m := o.m
	switch ev.Type {
	case jessy.EventThoughtStarted:
		if ev.Thought != nil {
			o.openCall(ev.Index, ev.Thought.Backend)
		}
	case jessy.EventThoughtRetry:
		if ev.Thought != nil {
			m.retries.WithLabelValues(ev.Thought.Backend, "thought").Inc()
		}
	case jessy.EventThoughtDone, jessy.EventThoughtFailed, jessy.EventThoughtCanceled:
		o.closeCall(ev.Index)
		if th := ev.Thought; th != nil {
			outcome := "ok"
			if ev.Type != jessy.EventThoughtDone {
				outcome = "failed"
				if ev.Type == jessy.EventThoughtCanceled || jessy.KindOf(th.Err) == jessy.KindCanceled || th.Status == jessy.StatusCanceled {
					outcome = "canceled"
				}
			}
			m.thoughts.WithLabelValues(th.Backend, outcome).Inc()
			m.call.WithLabelValues(th.Backend, "thought").Observe(th.Duration.Seconds())
			m.addTokens(th.Backend, th.Usage)
		}
	case jessy.EventSynthesisStarted:
		if ev.Synthesis != nil {
			o.openCall(synthesisKey, ev.Synthesis.Backend)
		}
	case jessy.EventSynthesisRetry:
		if ev.Synthesis != nil {
			m.retries.WithLabelValues(ev.Synthesis.Backend, "synthesis").Inc()
		}
	case jessy.EventRunDone:
		o.end(ev.Result, ev.Err)
	}
}

// end records the run's outcome and closes what is still open.
func (o *runObserver) end(res *jessy.Result, err error) {
	m := o.m
	for key := range o.open {
		o.closeCall(key)
	}
	if res != nil {
		if s := res.Synthesis; s.Backend != "" && len(s.Attempts) > 0 {
			m.call.WithLabelValues(s.Backend, "synthesis").Observe(s.Duration.Seconds())
			m.addTokens(s.Backend, s.Usage)
		}
		m.phase.WithLabelValues("thinking").Observe(res.Timings.Thinking.Seconds())
		if res.Timings.Synthesis > 0 {
			m.phase.WithLabelValues("synthesis").Observe(res.Timings.Synthesis.Seconds())
		}
		m.phase.WithLabelValues("total").Observe(res.Timings.Total.Seconds())
	}
	outcome := "ok"
	switch {
	case err == nil:
	case jessy.KindOf(err) == jessy.KindCanceled:
		outcome = "canceled"
	default:
		outcome = "failed"
	}
	m.runs.WithLabelValues(outcome).Inc()
}

// finish is called once the run is over, whether or not run.done came.
func (o *runObserver) finish() {
	for key := range o.open {
		o.closeCall(key)
	}
	o.m.runsInFlight.Dec()
}

func (m *metrics) addTokens(backend string, u jessy.Usage) {
	if u.PromptTokens > 0 {
		m.tokens.WithLabelValues(backend, "prompt").Add(float64(u.PromptTokens))
	}
	if u.CompletionTokens > 0 {
		m.tokens.WithLabelValues(backend, "completion").Add(float64(u.CompletionTokens))
	}
}
