package eval

// Report is the outcome of an eval in the shape `jessy eval --json`
// prints. Items are in dataset order and hold only items with at least
// one result; Arms are in the order the arms were given.
type Report struct {
	Dataset string       `json:"dataset"`
	Model   string       `json:"model"`
	Backend string       `json:"backend"`
	Items   []ItemReport `json:"items"`
	Arms    []ArmReport  `json:"arms"`
}

// ItemReport is one item with each arm's scored answer, keyed by arm.
type ItemReport struct {
	ID       string               `json:"id"`
	Question string               `json:"question"`
	Answer   string               `json:"answer"`
	PerArm   map[string]ArmAnswer `json:"per_arm"`
}

// ArmAnswer is one arm's scored answer to one item.
type ArmAnswer struct {
	Extracted string `json:"extracted"`
	Correct   bool   `json:"correct"`
	Tokens    int    `json:"tokens"`
	Calls     int    `json:"calls"`
	WallMS    int64  `json:"wall_ms"`
	Error     string `json:"error,omitempty"`
}

// Tokens are an arm's tokens over all its answers.
type Tokens struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
	Total      int `json:"total"`
}

// ArmReport is one arm's score. N counts the items the arm answered
// (including failed answers, which are wrong); Accuracy is Correct/N (0
// when N is 0) and CI95 its Wilson interval. AccuracyPer1kTokens is
// Accuracy divided by the mean tokens per item in thousands, which is
// the same as right answers per 1,000 tokens spent (0 with no tokens).
// VsSingle is the paired test against the arm named "single" on the
// items both answered; it is nil for single itself and when there is no
// single arm.
type ArmReport struct {
	Name                string     `json:"name"`
	N                   int        `json:"n"`
	Correct             int        `json:"correct"`
	Errors              int        `json:"errors"`
	Accuracy            float64    `json:"accuracy"`
	CI95                [2]float64 `json:"ci95"`
	Tokens              Tokens     `json:"tokens"`
	Calls               int        `json:"calls"`
	WallMS              int64      `json:"wall_ms"`
	AccuracyPer1kTokens float64    `json:"accuracy_per_1k_tokens"`
	VsSingle            *Paired    `json:"vs_single,omitempty"`
}

// Paired is McNemar's test of an arm against single on the N items both
// answered: Wins are items the arm got right and single wrong, Losses
// the reverse, and P the two-sided p-value (see McNemar).
type Paired struct {
	N      int     `json:"n"`
	Wins   int     `json:"wins"`
	Losses int     `json:"losses"`
	P      float64 `json:"p"`
}

// Baseline is the name of the arm the others are tested against.
const Baseline = "single"

// NewReport aggregates a run's results. It is pure: the same Results
// give the same Report.
func NewReport(res Results, model, backend string) Report {
	rep := Report{Dataset: res.Dataset.Name, Model: model, Backend: backend, Items: []ItemReport{}, Arms: []ArmReport{}}
	byItem := map[string]map[string]Result{}
	for _, r := range res.Results {
		if byItem[r.ItemID] == nil {
			byItem[r.ItemID] = map[string]Result{}
		}
		byItem[r.ItemID][r.Arm] = r
	}
	arms := map[string]*ArmReport{}
	for _, name := range res.Arms {
		rep.Arms = append(rep.Arms, ArmReport{Name: name})
	}
	for i := range rep.Arms {
		arms[rep.Arms[i].Name] = &rep.Arms[i]
	}
	for _, it := range res.Dataset.Items {
		per, ok := byItem[it.ID]
		if !ok {
			continue
		}
		ir := ItemReport{ID: it.ID, Question: it.Question, Answer: it.Answer, PerArm: map[string]ArmAnswer{}}
		for name, r := range per {
			a := arms[name]
			if a == nil {
				continue
			}
			ir.PerArm[name] = ArmAnswer{Extracted: r.Extracted, Correct: r.Correct, Tokens: r.Usage.Total(), Calls: r.Calls, WallMS: r.WallMS, Error: r.Error}
			a.N++
			if r.Correct {
				a.Correct++
			}
			if r.Error != "" {
				a.Errors++
			}
			a.Tokens.Prompt += r.Usage.Prompt
			a.Tokens.Completion += r.Usage.Completion
			a.Calls += r.Calls
			a.WallMS += r.WallMS
		}
		rep.Items = append(rep.Items, ir)
	}
	_, haveSingle := arms[Baseline]
	for i := range rep.Arms {
		a := &rep.Arms[i]
		a.Tokens.Total = a.Tokens.Prompt + a.Tokens.Completion
		if a.N > 0 {
			a.Accuracy = float64(a.Correct) / float64(a.N)
		}
		a.CI95[0], a.CI95[1] = Wilson(a.Correct, a.N)
		if a.Tokens.Total > 0 {
			a.AccuracyPer1kTokens = float64(a.Correct) * 1000 / float64(a.Tokens.Total)
		}
		if !haveSingle || a.Name == Baseline {
			continue
		}
		var p Paired
		for _, ir := range rep.Items {
			x, ok1 := ir.PerArm[a.Name]
			s, ok2 := ir.PerArm[Baseline]
			if !ok1 || !ok2 {
				continue
			}
			p.N++
			switch {
			case x.Correct && !s.Correct:
				p.Wins++
			case s.Correct && !x.Correct:
				p.Losses++
			}
		}
		p.P = McNemar(p.Wins, p.Losses)
		a.VsSingle = &p
	}
	return rep
}
