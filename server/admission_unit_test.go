package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestAdmissionHandsSlotsOverInOrder(t *testing.T) {
	a := newAdmission(1, 2, 0, prometheus.NewGauge(prometheus.GaugeOpts{Name: "q"}))
	rel, err := a.acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 2)
	for i := range 2 {
		go func() {
			r, err := a.acquire(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			order <- i
			r()
		}()
		eventually(t, time.Second, "the waiter to queue", func() bool {
			a.mu.Lock()
			defer a.mu.Unlock()
			return len(a.waiters) == i+1
		})
	}
	// Full: one running, two waiting.
	if _, err := a.acquire(t.Context()); !errors.As(err, new(errBusy)) {
		t.Fatalf("fourth acquire = %v, want busy", err)
	}
	rel()
	if a, b := <-order, <-order; a != 0 || b != 1 {
		t.Errorf("order %d, %d", a, b)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running != 0 || len(a.waiters) != 0 {
		t.Errorf("running %d, waiting %d after all released", a.running, len(a.waiters))
	}
}

func TestAdmissionWaiterGivesUp(t *testing.T) {
	a := newAdmission(1, 1, 0, prometheus.NewGauge(prometheus.GaugeOpts{Name: "q"}))
	rel, _ := a.acquire(t.Context())
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error)
	go func() {
		_, err := a.acquire(ctx)
		errc <- err
	}()
	eventually(t, time.Second, "the waiter to queue", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.waiters) == 1
	})
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: %v", err)
	}
	rel()
	// The slot is free again, not handed to the departed waiter.
	r, err := a.acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r()
}
