package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadGSM8K decodes GSM8K-format JSONL: one JSON object per line with a
// string "question" and a string "answer" whose last "#### N" marks the
// gold answer N. Commas in N are removed and N is put in canonical form
// (see Canonical). Blank lines are skipped. Item IDs are "line-K" with K
// the 1-based line number, so they survive shuffling and limits.
//
// It reads r to the end and returns an error naming the line for invalid
// JSON, a missing or empty question, an answer without "####", or a gold
// answer that is not a number. It returns an error for an input with no
// items.
func ReadGSM8K(r io.Reader) ([]Item, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var items []Item
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec struct {
			Question *string `json:"question"`
			Answer   *string `json:"answer"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object: %v", line, err)
		}
		if rec.Question == nil || strings.TrimSpace(*rec.Question) == "" {
			return nil, fmt.Errorf("line %d: missing \"question\"", line)
		}
		if rec.Answer == nil {
			return nil, fmt.Errorf("line %d: missing \"answer\"", line)
		}
		gold, err := gsm8kGold(*rec.Answer)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		items = append(items, Item{
			ID:       fmt.Sprintf("line-%d", line),
			Question: *rec.Question,
			Answer:   gold,
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no items")
	}
	return items, nil
}

// gsm8kGold returns the canonical number after the last "####".
func gsm8kGold(answer string) (string, error) {
	i := strings.LastIndex(answer, "####")
	if i < 0 {
		return "", fmt.Errorf("answer has no \"#### N\" line")
	}
	raw := strings.TrimSpace(answer[i+len("####"):])
	raw = strings.ReplaceAll(raw, ",", "")
	c, ok := Canonical(raw)
	if !ok {
		return "", fmt.Errorf("gold answer %q is not a number", raw)
	}
	return c, nil
}

// LoadGSM8K reads the GSM8K-format file at path into a Dataset named
// after the file, scored with Numbers, with NumberInstruction. Errors name the path and the line.
func LoadGSM8K(path string) (Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return Dataset{}, err
	}
	defer f.Close()
	items, err := ReadGSM8K(f)
	if err != nil {
		return Dataset{}, fmt.Errorf("%s: %w", path, err)
	}
	return Dataset{Name: path, Items: items, Scorer: Numbers{}, Instruction: NumberInstruction}, nil
}
