// Package faults holds Jessy's wire-level fault-injection suite and the fuzz
// targets of the streamed responses each provider parses. It has no code of
// its own outside tests: its tests run the engine through the real provider
// packages against the fake servers of package providertest, so that the
// engine's own tests never link the SDKs.
package faults
