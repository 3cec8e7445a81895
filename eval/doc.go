// Package eval measures whether thinking in parallel answers better:
// the same items through several arms side by side, scored exactly, with
// intervals and paired tests. It knows nothing of the engine, backends
// or the config file; the command wires arms over the engine through the
// Arm interface.
//
// # Arms
//
//   - single: one call with the question.
//   - vote: N samples of the same prompt at a temperature; the answer is
//     the majority over the answers extracted from the samples (Vote:
//     samples without an answer abstain, ties go to the answer seen
//     first).
//   - synthesis: Jessy's default: N thoughts from different angles, then
//     one synthesis call.
//   - samples-synthesis: N samples of the same prompt, then the
//     synthesis, which separates the value of the angles from the value
//     of the synthesis.
//   - a profile of the config file runs as an arm of its own name.
//
// Every arm answers exactly the same items, and every arm's answer is
// scored by the same rule (see ExtractNumber for numbers, Countdown and
// Letters for those tasks).
//
// # Reading the numbers
//
// Accuracy is correct/n. The 95% interval is Wilson's: the range of
// accuracies the arm plausibly has on questions like these. With 50
// items an arm at 60% has an interval of about 46–72%, so differences of
// a few points between arms mean nothing at that size; when intervals
// overlap widely, run more items.
//
// The p-value compares an arm with single on the items both answered,
// using only the items where exactly one of the two was right (McNemar's
// test: exact binomial when there are fewer than 25 such items,
// chi-square with continuity correction otherwise). It is the chance of
// a split at least this lopsided if the two arms were equally good.
// Below 0.05 the difference is unlikely to be noise; above it, no
// difference has been shown (which is not the same as no difference).
//
// Accuracy per 1,000 tokens is right answers per 1,000 tokens spent:
// what the extra calls buy.
//
// # Runs
//
// A Runner answers items concurrently within a limit, reports progress,
// stops cleanly on cancellation with what is done, and journals each
// result to a JSONL file beside the report so that a stopped eval
// resumes where it stopped (see JournalPath). NewReport aggregates the
// results; WriteTable, WriteMarkdown, WriteSVG and WriteFiles render
// them, and the Report marshals to the --json shape.
package eval
