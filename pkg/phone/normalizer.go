package phone

import (
	"errors"
	"fmt"

	"github.com/nyaruka/phonenumbers"
)

// Accept chooses how strict Normalize is.
type Accept int

const (
	// AcceptValid accepts only numbers inside a known numbering range of
	// their country (libphonenumber's IsValidNumber). It is the default.
	AcceptValid Accept = iota
	// AcceptPossible also accepts numbers whose length is possible for
	// their country but that match no known range (IsPossibleNumber);
	// their Type is "unknown".
	AcceptPossible
)

// ErrUnknownRegion is wrapped by the error New returns for a DefaultRegion
// that is neither a supported ISO 3166 alpha-2 code nor a country name.
var ErrUnknownRegion = errors.New("unknown region")

// Options configures a Normalizer.
type Options struct {
	// DefaultRegion reads numbers written without a country code: an ISO
	// 3166 alpha-2 code ("US") or an English country name. It may be empty
	// when every number is international.
	DefaultRegion string
	// Accept is AcceptValid (the zero value) or AcceptPossible.
	Accept Accept
	// AllowVanity converts letters to keypad digits ("1-800-FLOWERS");
	// without it a cell with letters is rejected as NotANumber.
	AllowVanity bool
}

// Normalizer normalizes phone numbers with fixed Options. It holds no
// mutable state, so one Normalizer is safe for concurrent use.
type Normalizer struct {
	region string
	accept Accept
	vanity bool
}

// New validates opts and returns a Normalizer. It fails, wrapping
// ErrUnknownRegion, when DefaultRegion is set but not recognised, and
// when Accept is out of range.
func New(opts Options) (*Normalizer, error) {
	n := &Normalizer{accept: opts.Accept, vanity: opts.AllowVanity}
	if opts.DefaultRegion != "" {
		code, ok := Region(opts.DefaultRegion)
		if !ok {
			return nil, fmt.Errorf("%w %q: want a two-letter country code such as US, GB or DE", ErrUnknownRegion, opts.DefaultRegion)
		}
		n.region = code
	}
	if opts.Accept != AcceptValid && opts.Accept != AcceptPossible {
		return nil, fmt.Errorf("phone: unknown Accept value %d", opts.Accept)
	}
	return n, nil
}

// Normalize converts one raw cell to E.164. region overrides the default
// region for this row: an ISO alpha-2 code in any case or an English
// country name; "" means the default. Normalize never panics and always
// returns a Result whose Reason says what happened: on success E164 is
// set and Reason is OK or the first repair; otherwise E164 is "" and
// Reason is a rejection code.
func (n *Normalizer) Normalize(raw, region string) Result {
	var c cleaned
	clean(raw, n.vanity, &c)
	if c.reject != "" {
		return c.rejection()
	}
	rowRegion, known := n.rowRegion(region)
	var first reading
	first.read(c.number(), rowRegion)
	if first.valid {
		return n.accepted(raw, &c, &first, rowRegion)
	}
	if alt, why := c.alternative(known); alt != "" {
		var second reading
		if second.read(alt, rowRegion); second.valid {
			c.repair(why)
			return n.accepted(raw, &c, &second, rowRegion)
		}
	}
	if n.accept == AcceptPossible && first.err == nil && first.possible == phonenumbers.IS_POSSIBLE {
		return n.accepted(raw, &c, &first, rowRegion)
	}
	c.reject, c.why = first.rejection(raw, c.plus, region, rowRegion, known)
	return c.rejection()
}

// rowRegion resolves a row's region; known is false when region was given
// but not recognised, and the returned code is then "".
func (n *Normalizer) rowRegion(region string) (code string, known bool) {
	if region == "" {
		return n.region, true
	}
	return Region(region)
}

// alternative returns the digits read as an international number when
// the cell had no "+": an "00" or "011" prefix replaced by "+", or, when
// plusOK, a "+" restored. A row whose region is unknown gets no restored
// "+": any national number would then be read as some other country's.
// It returns "" when no such reading is plausible.
func (c *cleaned) alternative(plusOK bool) (string, Reason) {
	if c.plus || c.n > maxDigits {
		return "", ""
	}
	d := c.digits[:c.n]
	why := RepairedMissingPlus
	switch {
	case len(d) > 2 && d[0] == '0' && d[1] == '0':
		d, why = d[2:], RepairedInternationalPrefix
	case len(d) > 3 && d[0] == '0' && d[1] == '1' && d[2] == '1':
		d, why = d[3:], RepairedInternationalPrefix
	case d[0] == '0' || !plusOK:
		return "", ""
	}
	// E.164 allows 15 digits; the shortest valid ones (Niue) have 7.
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", ""
	}
	var b [16]byte
	b[0] = '+'
	return string(b[:1+copy(b[1:], d)]), why
}

// rejection builds the Result for a cell rejected with c.reject.
func (c *cleaned) rejection() Result {
	return Result{Reason: c.reject, Repairs: c.repairList(), Message: c.why}
}

// repairList copies the repairs out of c; nil when there were none.
func (c *cleaned) repairList() []Reason {
	if c.nrep == 0 {
		return nil
	}
	return append([]Reason(nil), c.repairs[:c.nrep]...)
}
