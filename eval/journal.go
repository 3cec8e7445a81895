package eval

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Result is the scored answer of one arm to one item: a line of the
// journal and the per-item, per-arm entry of the report.
type Result struct {
	Arm       string `json:"arm"`
	ItemID    string `json:"item_id"`
	ItemSum   string `json:"item_sum,omitempty"`
	Extracted string `json:"extracted"`
	Correct   bool   `json:"correct"`
	Text      string `json:"text,omitempty"`
	Votes     int    `json:"votes,omitempty"`
	Samples   int    `json:"samples,omitempty"`
	Usage     Usage  `json:"usage"`
	Calls     int    `json:"calls"`
	WallMS    int64  `json:"wall_ms"`
	Error     string `json:"error,omitempty"`
}

// itemSum fingerprints an item's question and gold answer, so that a
// journal is not resumed against other items under the same IDs.
func itemSum(it Item) string {
	h := sha256.Sum256([]byte(it.Question + "\x00" + it.Answer))
	return hex.EncodeToString(h[:8])
}

// key identifies a result for resuming.
type key struct{ arm, item string }

// JournalPath is where the results of a report at reportPath are
// journaled: beside it, with the extension replaced by ".results.jsonl"
// ("out/report.md" gives "out/report.results.jsonl").
func JournalPath(reportPath string) string {
	ext := filepath.Ext(reportPath)
	return strings.TrimSuffix(reportPath, ext) + ".results.jsonl"
}

// ReadJournal decodes a journal: one JSON Result per line, blank lines
// skipped. A last line without a newline that does not decode is taken
// for a write cut short by a crash and ignored; any other bad line is an
// error naming its line number, as is a result without arm or item_id.
// When the same (arm, item) appears twice the later line wins.
func ReadJournal(r io.Reader) ([]Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var out []Result
	at := map[key]int{}
	lines := bytes.Split(data, []byte("\n"))
	for i, b := range lines {
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		var res Result
		if err := json.Unmarshal(b, &res); err != nil {
			if i == len(lines)-1 {
				break // torn final write
			}
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		if res.Arm == "" || res.ItemID == "" {
			return nil, fmt.Errorf("line %d: result without arm or item_id", i+1)
		}
		k := key{res.Arm, res.ItemID}
		if j, ok := at[k]; ok {
			out[j] = res
			continue
		}
		at[k] = len(out)
		out = append(out, res)
	}
	return out, nil
}

// LoadJournal reads the journal at path; a missing file is an empty
// journal.
func LoadJournal(path string) ([]Result, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := ReadJournal(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// journal appends results to a file, one line per result, each written
// with a single Write so a crash leaves at most a torn last line. It is
// safe for concurrent use.
type journal struct {
	mu sync.Mutex
	w  *bufio.Writer
	f  *os.File
}

func openJournal(path string) (*journal, error) {
	// A torn last line from an earlier crash is cut off, as ReadJournal
	// ignores it, so that the next line appended starts a line of its own.
	if data, err := os.ReadFile(path); err == nil && len(data) > 0 && data[len(data)-1] != '\n' {
		if err := os.Truncate(path, int64(bytes.LastIndexByte(data, '\n')+1)); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &journal{f: f, w: bufio.NewWriter(f)}, nil
}

func (j *journal) append(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.w.Write(append(b, '\n')); err != nil {
		return err
	}
	return j.w.Flush()
}

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.w.Flush()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}
