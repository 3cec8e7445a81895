package eval

// Scorer reads an answer from a model's free text and judges it.
// Implementations are pure and safe for concurrent use.
type Scorer interface {
	// Extract returns the answer in text in canonical form (the key that
	// votes are counted on), or ok false when text holds no answer.
	Extract(text string) (answer string, ok bool)
	// Correct reports whether an extracted answer is right for item.
	Correct(item Item, answer string) bool
}

// Dataset is the items of one eval and the Scorer that judges them.
// Name is what the report shows as "dataset".
type Dataset struct {
	Name   string
	Items  []Item
	Scorer Scorer
}

// Score extracts and judges text for item: the extracted answer ("" when
// none) and the verdict (false when nothing was extracted).
func (d Dataset) Score(item Item, text string) (extracted string, correct bool) {
	a, ok := d.Scorer.Extract(text)
	if !ok {
		return "", false
	}
	return a, d.Scorer.Correct(item, a)
}
