//go:build race

package phone

// raceEnabled shortens the slowest tests under the race detector.
const raceEnabled = true
