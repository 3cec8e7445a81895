package eval

import (
	"math"
	"math/big"
)

// z95 is the two-sided 95% standard normal quantile.
const z95 = 1.959963984540054

// Wilson returns the Wilson score 95% interval for correct successes in
// n trials:
//
//	centre = (p + z²/2n) / (1 + z²/n)
//	half   = z / (1 + z²/n) · sqrt(p(1−p)/n + z²/4n²)
//
// with p = correct/n and z = 1.96. Unlike p ± z·sqrt(p(1−p)/n) it stays
// inside [0, 1] and is not empty at 0/n or n/n. For n <= 0 it returns
// [0, 1], knowing nothing.
func Wilson(correct, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	p := float64(correct) / float64(n)
	nf := float64(n)
	z2 := z95 * z95
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// ExactBelow is the number of discordant pairs below which McNemar uses
// the exact binomial test.
const ExactBelow = 25

// McNemar returns the two-sided p-value of McNemar's test for paired
// verdicts, given the discordant counts b (items only the first arm got
// right) and c (items only the second got right). Under the null
// hypothesis that the arms are equally good, each discordant item is a
// fair coin, so:
//
//   - when b+c < ExactBelow, p = min(1, 2·P(X <= min(b, c))) with X
//     binomial(b+c, 1/2), computed exactly with big integers;
//   - otherwise p is the upper tail of chi-square with one degree of
//     freedom at (|b−c| − 1)² / (b+c) (Yates's continuity correction;
//     the square is 0 when |b−c| < 1).
//
// With no discordant items p is 1. Negative counts are treated as 0.
func McNemar(b, c int) float64 {
	b, c = max(b, 0), max(c, 0)
	n := b + c
	if n == 0 {
		return 1
	}
	if n < ExactBelow {
		k := min(b, c)
		sum := new(big.Int)
		for i := 0; i <= k; i++ {
			sum.Add(sum, new(big.Int).Binomial(int64(n), int64(i)))
		}
		p := new(big.Rat).SetFrac(new(big.Int).Lsh(sum, 1), new(big.Int).Lsh(big.NewInt(1), uint(n)))
		f, _ := p.Float64()
		return math.Min(1, f)
	}
	d := math.Max(0, math.Abs(float64(b-c))-1)
	chi2 := d * d / float64(n)
	// P(χ²₁ > x) = P(|Z| > √x) = erfc(√(x/2)).
	return math.Erfc(math.Sqrt(chi2 / 2))
}
