package eval

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// The countdown task: given numbers and a target, write an arithmetic
// expression equal to the target. The rules the checker enforces:
//
//   - only the given numbers appear, each at most as many times as it is
//     given (not every number must be used);
//   - the operators are + - * / (× and ÷ are read as * and /) with
//     parentheses; there is no unary minus, no decimal point and no
//     concatenation of digits into a new number;
//   - the expression is evaluated exactly over the rationals (math/big),
//     so 8 / 3 * 3 is 8; a division by zero makes the answer wrong;
//   - its value equals the target exactly.
//
// The gold answer of an item is one valid expression; any other valid
// expression is equally right.

// countdownItem draws 4 numbers from 1 to 13 and builds a random
// expression over 2 to 4 of them whose value is a whole number from 1 to
// 999; that value is the target and the expression the gold answer.
func countdownItem(seed uint64, i int) Item {
	r := itemRand(seed, i)
	for {
		nums := make([]int, 4)
		for k := range nums {
			nums[k] = 1 + r.IntN(13)
		}
		use := 2 + r.IntN(3)
		order := make([]int, 4)
		for k := range order {
			order[k] = k
		}
		for k := 3; k > 0; k-- {
			j := r.IntN(k + 1)
			order[k], order[j] = order[j], order[k]
		}
		nodes := make([]*cdNode, use)
		for k := range nodes {
			nodes[k] = &cdNode{val: new(big.Rat).SetInt64(int64(nums[order[k]])), leaf: nums[order[k]]}
		}
		for len(nodes) > 1 {
			a := r.IntN(len(nodes))
			x := nodes[a]
			nodes = append(nodes[:a], nodes[a+1:]...)
			b := r.IntN(len(nodes))
			y := nodes[b]
			n := &cdNode{op: "+-*/"[r.IntN(4)], l: x, r: y}
			v, ok := applyOp(n.op, x.val, y.val)
			if !ok {
				n.op = '+'
				v, _ = applyOp('+', x.val, y.val)
			}
			n.val = v
			nodes[b] = n
		}
		v := nodes[0].val
		if !v.IsInt() || v.Sign() <= 0 || v.Cmp(big.NewRat(999, 1)) > 0 {
			continue
		}
		strs := make([]string, 4)
		for k, n := range nums {
			strs[k] = strconv.Itoa(n)
		}
		target := v.Num().String()
		q := fmt.Sprintf("Using the numbers %s (each at most once; not all are needed) and + - * / with parentheses, "+
			"write an expression equal to %s. End your reply with \"answer: <expression>\".",
			strings.Join(strs, ", "), target)
		return Item{
			Question: q,
			Answer:   nodes[0].String(),
			Meta:     map[string]string{"numbers": strings.Join(strs, " "), "target": target},
		}
	}
}

// cdNode is a node of a generated expression.
type cdNode struct {
	op   byte // 0 for a leaf
	leaf int
	l, r *cdNode
	val  *big.Rat
}

// String prints the expression with parentheses around every compound
// operand, which is always correct if not always minimal.
func (n *cdNode) String() string {
	if n.op == 0 {
		return strconv.Itoa(n.leaf)
	}
	side := func(c *cdNode) string {
		if c.op == 0 {
			return c.String()
		}
		return "(" + c.String() + ")"
	}
	return side(n.l) + " " + string(n.op) + " " + side(n.r)
}

// applyOp computes x op y; ok is false for a division by zero.
func applyOp(op byte, x, y *big.Rat) (*big.Rat, bool) {
	z := new(big.Rat)
	switch op {
	case '+':
		return z.Add(x, y), true
	case '-':
		return z.Sub(x, y), true
	case '*':
		return z.Mul(x, y), true
	default:
		if y.Sign() == 0 {
			return nil, false
		}
		return z.Quo(x, y), true
	}
}

// exprRunRE finds candidate expressions in free text.
var exprRunRE = regexp.MustCompile(`[0-9(][0-9+\-*/×÷()\s]*[0-9)]`)

// Countdown scores the countdown task. Extraction: in the text after the
// last marker ("####", "answer is", "answer:") the first candidate, else
// the last candidate of the whole text, where a candidate is a maximal
// run of digits, spaces, + - * / × ÷ and parentheses that contains an
// operator ("(6 + 4) * 2 = 20" gives "(6+4)*2"). The extracted form has
// no spaces and uses * and /. Correct applies the rules above.
type Countdown struct{}

// Extract implements Scorer.
func (Countdown) Extract(text string) (string, bool) {
	pick := func(s string, first bool) (string, bool) {
		var found string
		for _, c := range exprRunRE.FindAllString(s, -1) {
			if strings.ContainsAny(c, "+-*/×÷") {
				found = c
				if first {
					break
				}
			}
		}
		if found == "" {
			return "", false
		}
		found = strings.NewReplacer("×", "*", "÷", "/", " ", "", "\t", "", "\n", "", "\r", "").Replace(found)
		return found, true
	}
	if locs := markerRE.FindAllStringIndex(text, -1); len(locs) > 0 {
		if e, ok := pick(text[locs[len(locs)-1][1]:], true); ok {
			return e, true
		}
	}
	return pick(text, false)
}

// Correct implements Scorer: answer parses, uses only the item's numbers
// (meta "numbers", space-separated) within their counts, and evaluates
// exactly to meta "target".
func (Countdown) Correct(item Item, answer string) bool {
	v, used, err := ParseExpr(answer)
	if err != nil {
		return false
	}
	target, ok := new(big.Rat).SetString(item.Meta["target"])
	if !ok || v.Cmp(target) != 0 {
		return false
	}
	avail := map[string]int{}
	for _, f := range strings.Fields(item.Meta["numbers"]) {
		avail[f]++
	}
	for _, u := range used {
		if avail[u] == 0 {
			return false
		}
		avail[u]--
	}
	return true
}

// ParseExpr parses and exactly evaluates an expression of non-negative
// integers, + - * / (× ÷ accepted) and parentheses, with the usual
// precedence and left associativity; spaces are ignored. It returns the
// value and the integer literals in the order they appear (without
// leading zeros). It returns an error for anything else, including a
// unary minus, an empty expression, unbalanced parentheses and a
// division by zero. Nesting deeper than 100 is rejected. It never panics.
func ParseExpr(s string) (*big.Rat, []string, error) {
	p := &exprParser{s: strings.NewReplacer("×", "*", "÷", "/").Replace(s)}
	v, err := p.sum(0)
	if err != nil {
		return nil, nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, nil, fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
	}
	return v, p.nums, nil
}

type exprParser struct {
	s    string
	i    int
	nums []string
}

func (p *exprParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *exprParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// sum := product (('+'|'-') product)*
func (p *exprParser) sum(depth int) (*big.Rat, error) {
	v, err := p.product(depth)
	if err != nil {
		return nil, err
	}
	for c := p.peek(); c == '+' || c == '-'; c = p.peek() {
		p.i++
		w, err := p.product(depth)
		if err != nil {
			return nil, err
		}
		v, _ = applyOp(c, v, w)
	}
	return v, nil
}

// product := atom (('*'|'/') atom)*
func (p *exprParser) product(depth int) (*big.Rat, error) {
	v, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	for c := p.peek(); c == '*' || c == '/'; c = p.peek() {
		p.i++
		w, err := p.atom(depth)
		if err != nil {
			return nil, err
		}
		var ok bool
		if v, ok = applyOp(c, v, w); !ok {
			return nil, fmt.Errorf("division by zero")
		}
	}
	return v, nil
}

// atom := integer | '(' sum ')'
func (p *exprParser) atom(depth int) (*big.Rat, error) {
	switch c := p.peek(); {
	case c == '(':
		if depth >= 100 {
			return nil, fmt.Errorf("nested too deeply")
		}
		p.i++
		v, err := p.sum(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ) at %d", p.i)
		}
		p.i++
		return v, nil
	case c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		lit := strings.TrimLeft(p.s[start:p.i], "0")
		if lit == "" {
			lit = "0"
		}
		p.nums = append(p.nums, lit)
		v, _ := new(big.Rat).SetString(lit)
		return v, nil
	case c == 0:
		return nil, fmt.Errorf("unexpected end")
	default:
		return nil, fmt.Errorf("unexpected %q at %d", c, p.i)
	}
}
