package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the format of the state file; a file of another version
// is refused rather than misread.
const stateVersion = 1

// savedState is the state file: the world and the fault generator, so a
// restarted simulator continues the same sequence. Stats, quotas and the
// webhook queue are not saved.
type savedState struct {
	Version  int       `json:"version"`
	SavedAt  time.Time `json:"saved_at"`
	World    *world    `json:"world"`
	FaultRNG []byte    `json:"fault_rng"`
}

// Save writes the state to path atomically (a temporary file in the same
// directory, then a rename) with mode 0600.
func (s *Server) Save(path string) error {
	s.mu.Lock()
	b, err := s.marshalState()
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sim: save state: %w", err)
	}
	if err := writeAtomic(path, b); err != nil {
		return fmt.Errorf("sim: save state: %w", err)
	}
	return nil
}

// marshalState encodes the state. The caller holds s.mu.
func (s *Server) marshalState() ([]byte, error) {
	rng, err := s.w.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	s.w.RNG = rng
	fault, err := s.faultPCG.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return json.Marshal(savedState{Version: stateVersion, SavedAt: s.opts.Clock.Now().UTC(), World: s.w, FaultRNG: fault})
}

func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this fails harmlessly
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// load replaces the world with the one saved at path. It runs in New,
// before s is shared.
func (s *Server) load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var st savedState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	if st.Version != stateVersion || st.World == nil {
		return fmt.Errorf("%s: unsupported state version %d", path, st.Version)
	}
	w := st.World
	w.minute, w.day, w.callRate = s.opts.Minute, s.opts.Day, s.opts.CallRate
	w.pcg = rand.NewPCG(0, 0)
	if err := w.pcg.UnmarshalBinary(w.RNG); err != nil {
		return fmt.Errorf("%s: world generator: %w", path, err)
	}
	w.rng = rand.New(w.pcg)
	if err := s.faultPCG.UnmarshalBinary(st.FaultRNG); err != nil {
		return fmt.Errorf("%s: fault generator: %w", path, err)
	}
	w.index()
	s.w = w
	return nil
}
