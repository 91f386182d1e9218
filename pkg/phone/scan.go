package phone

// scanState is what the scanner saw beside the digits it keeps.
type scanState struct {
	part    int // real digits in the current part of the cell
	numbers int // parts with at least numberDigits real digits
	real    int // digits written as digits, not converted from letters
	nonzero bool
	letters int
	key     [16]byte // lower-case ASCII letters, to spot placeholders
	klen    int
	foreign bool // a letter outside ASCII, which has no keypad digit
	junk    rune // the first symbol no phone number contains
	midPlus bool // a "+" after the first digit
}

// endPart closes the current part of the cell: a separator or a word
// between digits may start a second number.
func (st *scanState) endPart() {
	if st.part >= numberDigits {
		st.numbers++
	}
	st.part = 0
}

func (st *scanState) letter(r rune) {
	st.letters++
	if r >= 0x80 {
		st.foreign = true
	} else if st.klen < len(st.key) {
		st.key[st.klen] = lower(byte(r))
		st.klen++
	} else {
		st.klen = len(st.key) + 1
	}
}

// placeholder reports whether the letters of a cell without digits other
// than zeros spell a stand-in for "no number".
func (st *scanState) placeholder() bool {
	if st.foreign || st.klen > len(st.key) {
		return false
	}
	k := st.key[:st.klen]
	allX := true
	for _, b := range k {
		allX = allX && b == 'x'
	}
	if allX { // masks such as "xxx-xxx-xxxx"
		return true
	}
	switch string(k) {
	case "na", "nan", "none", "null", "nil", "no", "unknown", "tbd", "tba",
		"blank", "empty", "missing", "undefined", "void", "nophone",
		"nonumber", "notavailable", "notapplicable", "notprovided", "nv", "nd":
		return true
	}
	return false
}

// scan reads s rune by rune, keeping digits (Unicode digits become ASCII,
// letters become keypad digits when vanity is allowed) and judging
// everything else. raw is quoted in messages.
func (c *cleaned) scan(raw, s string, vanity bool) {
	var st scanState
	for _, r := range s {
		k, d := runeKind(r)
		switch k {
		case kindDigit:
			c.addDigit(d)
			st.real++
			st.part++
			st.nonzero = st.nonzero || d != 0
		case kindPlus:
			if c.n == 0 {
				c.plus = true
			} else {
				st.midPlus = true
				st.endPart()
			}
		case kindSplit:
			st.endPart()
		case kindLetter:
			st.letter(r)
			st.endPart()
			if vanity && r < 0x80 {
				c.addDigit(keypad[lower(byte(r))-'a'])
			}
		case kindJunk:
			if st.junk == 0 {
				st.junk = r
			}
		}
	}
	st.endPart()
	c.judge(raw, &st, vanity)
}

// judge turns what the scanner saw into a rejection, or a vanity repair.
func (c *cleaned) judge(raw string, st *scanState, vanity bool) {
	switch {
	case st.numbers >= 2:
		c.rejectf(InvalidNumber, "found %d phone numbers in %q; only one number per cell can be used", st.numbers, raw)
	case st.letters > 0 && !st.nonzero && st.placeholder():
		c.rejectf(Missing, "no phone number: %q is a placeholder", raw)
	case st.real == 0 && st.letters == 0:
		c.rejectf(Missing, "no phone number: %q has no digits", raw)
	case st.letters > 0 && (!vanity || st.foreign || st.real < 3):
		hint := ""
		if !vanity && !st.foreign && st.real >= 3 {
			hint = " (vanity numbers such as 1-800-FLOWERS are converted only when the pipeline sets phone.allow_vanity)"
		}
		c.rejectf(NotANumber, "%q contains letters, so it is not a phone number%s", raw, hint)
	case st.junk != 0:
		c.rejectf(NotANumber, "%q contains %q, which is not part of a phone number", raw, st.junk)
	case st.midPlus:
		c.rejectf(NotANumber, "%q has a \"+\" after its first digit", raw)
	case !st.nonzero:
		c.rejectf(Missing, "no phone number: %q is all zeros", raw)
	default:
		if st.letters > 0 {
			c.repair(RepairedVanity)
		}
		c.checkDigits(raw)
	}
}

// checkDigits rejects digit counts no parse could accept; shown is quoted.
func (c *cleaned) checkDigits(shown string) {
	switch {
	case c.n > maxDigits:
		c.rejectf(TooLong, "%q has %d digits, more than any phone number", shown, c.n)
	case c.n < 3:
		c.rejectf(TooShort, "%q has only %d digits, too few for a phone number", shown, c.n)
	}
}
