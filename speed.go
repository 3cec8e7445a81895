package jessy

// Speed records what the speed features of a run did: how many thoughts were
// chosen and why, the concurrency used, cut-offs, early stops and
// speculative restarts. The zero Speed is a plain run.
type Speed struct {
	// ThoughtsReason says why the run has its number of thoughts, when that
	// number was chosen from the question ("auto"); "" otherwise.
	ThoughtsReason string `json:"thoughts_reason,omitempty"`
	// Concurrency is the most thoughts the run allowed in flight at once.
	Concurrency int `json:"concurrency,omitempty"`
	// ConcurrencyReason says where Concurrency came from ("fixed",
	// "all thoughts", or the adaptive controller's reason).
	ConcurrencyReason string `json:"concurrency_reason,omitempty"`
	// CutOff says why the remaining thoughts were cut off (quorum and grace,
	// agreement), "" when none was.
	CutOff string `json:"cut_off,omitempty"`
	// Canceled counts thoughts that had started and were cut off.
	Canceled int `json:"canceled,omitempty"`
	// Skipped counts thoughts that never started because of a cut-off.
	Skipped int `json:"skipped,omitempty"`
	// CallsSaved is Canceled plus Skipped: the calls the run did not finish.
	CallsSaved int `json:"calls_saved,omitempty"`
	// TokensSaved estimates the tokens those calls would have used: the mean
	// total usage of the successful thoughts times CallsSaved, minus what the
	// canceled calls reported.
	TokensSaved int `json:"tokens_saved,omitempty"`
	// Agreement is the measure early stop used: "cosine" (embeddings) or
	// "jaccard" (words); "" when the strategy does not stop early.
	Agreement string `json:"agreement,omitempty"`
	// SynthesisRestarts counts speculative synthesis attempts abandoned
	// before their first token because a straggler landed.
	SynthesisRestarts int `json:"synthesis_restarts,omitempty"`
	// WastedUsage sums the usage of abandoned synthesis attempts; it is
	// included in Result.Usage.
	WastedUsage Usage `json:"wasted_usage,omitzero"`
}
