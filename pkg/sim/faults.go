package sim

import "net/http"

// Fault kinds, as counted in Stats.Faults.
const (
	FaultFail          = "fail"           // 500 before any change
	FaultReset         = "reset"          // connection dropped before any change
	FaultAmbiguous500  = "ambiguous_500"  // write applied, then answered 500
	FaultAmbiguousDrop = "ambiguous_drop" // write applied, then connection dropped
)

// drawPreFaults draws the faults decided before a request changes anything.
// It always draws the same number of values, so the sequence of faults is
// a function of the seed and the request sequence alone. Reset wins over
// fail, so the observed fail rate is FailRate*(1-ResetRate). The caller
// holds s.mu.
func (s *Server) drawPreFaults() (reset, fail bool) {
	u1, u2 := s.faultRNG.Float64(), s.faultRNG.Float64()
	return u1 < s.opts.ResetRate, u2 < s.opts.FailRate
}

// ambiguous decides, for a write, whether its successful reply is replaced
// by a 500 or a dropped connection (abort). Failed writes changed nothing,
// so their reply stands. Every write draws two values whatever its outcome.
// The caller holds s.mu.
func (s *Server) ambiguous(method string, rep *reply) (_ *reply, abort bool) {
	if !isWrite(method) {
		return rep, false
	}
	hit := s.faultRNG.Float64() < s.opts.AmbiguousRate
	drop := s.faultRNG.Float64() < 0.5
	if !hit || rep.status < 200 || rep.status > 299 {
		return rep, false
	}
	if drop {
		s.stats.faults[FaultAmbiguousDrop]++
		return rep, true
	}
	s.stats.faults[FaultAmbiguous500]++
	out := errReply(http.StatusInternalServerError, "server_error", "internal error (simulated)")
	return &out, false
}
