package eval

import (
	"math"
	"testing"
)

func TestWilson(t *testing.T) {
	// Known values from the formula in Wilson's doc comment, worked by
	// hand with z = 1.96 (z² = 3.8415), rounded to 4 decimals:
	//   8/10:  p=.8, den=1.38415, centre=.99208/1.38415=.71668,
	//          half=1.41601·√(.016+.00960)=.22658 → [.4902, .9433]
	//   0/10:  centre=half=.13876 → [0, .2775]
	//   10/20: centre=.5, half=1.64419·√(.0125+.00240)=.20070 → [.2993, .7007]
	//   50/100: half=1.88749·√(.0025+.000096)=.09617 → [.4038, .5962]
	tests := []struct {
		x, n   int
		lo, hi float64
	}{
		{8, 10, 0.4902, 0.9433},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{10, 20, 0.2993, 0.7007},
		{50, 100, 0.4038, 0.5962},
		{0, 0, 0, 1},
	}
	for _, tt := range tests {
		lo, hi := Wilson(tt.x, tt.n)
		if math.Abs(lo-tt.lo) > 5e-5 || math.Abs(hi-tt.hi) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.5f, %.5f], want [%.4f, %.4f]", tt.x, tt.n, lo, hi, tt.lo, tt.hi)
		}
	}
}

func TestMcNemar(t *testing.T) {
	// Exact: p = 2·Σ_{i<=min} C(n,i) / 2^n.
	//   b=10 c=2: 2·(1+12+66)/4096 = 158/4096 = .038574
	//   b=6 c=0:  2/64 = .03125
	//   b=5 c=10: 2·(1+15+105+455+1365+3003)/32768 = .301758
	//   b=5 c=5:  2·638/1024 > 1 → 1
	// Chi-square (b+c >= 25): b=20 c=10: (10−1)²/30 = 2.7, p = erfc(√1.35)
	//   = .10035 (χ²₁ has p = .10 at 2.706); b=13 c=12: (1−1)²/25 = 0 → 1.
	tests := []struct {
		b, c int
		p    float64
	}{
		{10, 2, 0.038574},
		{2, 10, 0.038574},
		{6, 0, 0.03125},
		{5, 10, 0.301758},
		{5, 5, 1},
		{1, 0, 1},
		{0, 0, 1},
		{20, 10, 0.10035},
		{13, 12, 1},
	}
	for _, tt := range tests {
		if p := McNemar(tt.b, tt.c); math.Abs(p-tt.p) > 5e-5 {
			t.Errorf("McNemar(%d, %d) = %.6f, want %.6f", tt.b, tt.c, p, tt.p)
		}
	}
	// b = c with b+c even: the exact two-sided p is capped at 1.
	if p := McNemar(12, 12); p != 1 {
		t.Errorf("McNemar(12, 12) = %v, want 1", p)
	}
	// The switch to chi-square happens at 25: 24 discordant is exact.
	if p24, p25 := McNemar(18, 6), McNemar(19, 6); !(p24 > p25) {
		t.Errorf("p(18,6)=%v should exceed p(19,6)=%v", p24, p25)
	}
}
