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
// Name is what the report shows as "dataset". Instruction, when not
// empty, is appended to each question by Prompt (a GSM8K file's
// questions do not say how to state the answer; built-in tasks' do).
type Dataset struct {
	Name        string
	Items       []Item
	Scorer      Scorer
	Instruction string
}

// NumberInstruction asks for the answer in the form the extraction rule
// reads first.
const NumberInstruction = `Solve the problem step by step, then end your reply with a last line "#### <number>".`

// Prompt is the text an arm sends for item: the question, then the
// dataset's Instruction after a blank line when there is one.
func (d Dataset) Prompt(item Item) string {
	if d.Instruction == "" {
		return item.Question
	}
	return item.Question + "\n\n" + d.Instruction
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
