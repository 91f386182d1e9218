package sim

import (
	"context"
	"time"
)

// tickEvery is how often Run advances the world in real time: a tenth of
// the simulated Minute, between 10ms and 1s.
func (s *Server) tickEvery() time.Duration {
	return min(max(s.opts.Minute/10, 10*time.Millisecond), time.Second)
}

// Run drives the simulator in the background until ctx is done: it advances
// the world on a ticker (so calls arrive and webhooks fire without
// requests), delivers webhooks from a worker, and saves state every
// SaveEvery when StatePath is set. When ctx is done it waits for the worker,
// saves a last time and returns the save error, or nil.
func (s *Server) Run(ctx context.Context) error {
	tick := time.NewTicker(s.tickEvery())
	defer tick.Stop()
	save := time.NewTicker(s.opts.SaveEvery)
	defer save.Stop()
	done := make(chan struct{})
	go s.deliveryWorker(ctx, done)
	for {
		select {
		case <-ctx.Done():
			<-done
			if s.opts.StatePath == "" {
				return nil
			}
			return s.Save(s.opts.StatePath)
		case <-tick.C:
			s.mu.Lock()
			s.advanceLocked(s.opts.Clock.Now())
			s.mu.Unlock()
		case <-save.C:
			if s.opts.StatePath != "" {
				if err := s.Save(s.opts.StatePath); err != nil {
					s.opts.Logger.Error("periodic save failed", "err", err)
				}
			}
		}
	}
}

// deliveryWorker sends queued webhook deliveries whenever emit signals,
// until ctx is done; it closes done on return.
func (s *Server) deliveryWorker(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.notify:
			if s.DeliverPending(ctx) != nil {
				return
			}
		}
	}
}
