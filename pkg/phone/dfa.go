package phone

import (
	"regexp"
	"regexp/syntax"
	"slices"
)

// matcher answers MatchString for one of libphonenumber's patterns. The
// strings it is asked about are national numbers: ASCII digits, at most
// a few dozen. For those it runs a DFA over the ten digits, built once
// from the pattern's compiled program (the regexp package interprets the
// program at every match, by backtracking; for the long alternations of
// numbering plans that was most of the cost of a phone number); for
// anything else, and for a pattern whose DFA would be too large or that
// uses assertions other than ^ and $, it asks the regexp.
//
// MatchString only asks whether a match exists, so the DFA answers
// exactly: it runs the program's NFA on all paths at once, from the start
// of the string (every pattern here begins with ^), and accepts when a
// path reaches the match instruction. TestMatcherIsRegexp and
// FuzzMatcherIsRegexp hold it to the regexp's answers.
type matcher struct {
	re  *regexp.Regexp
	dfa *dfa // nil: use re
}

func newMatcher(re *regexp.Regexp) *matcher {
	return &matcher{re: re, dfa: buildDFA(re.String())}
}

// MatchString reports whether s contains a match of the pattern.
func (m *matcher) MatchString(s string) bool {
	if m.dfa != nil {
		if ok, sure := m.dfa.match(s); sure {
			return ok
		}
	}
	return m.re.MatchString(s)
}

// maxDFAStates bounds one DFA; past it the pattern stays with the regexp.
const maxDFAStates = 4096

// dfa is a deterministic automaton over '0'..'9'. State 0 is the start;
// -1 is dead.
type dfa struct {
	next []int32 // 10 per state
	// now: the state holds the match instruction (a match ends here,
	// whatever follows); atEnd: a match ends here if the string does.
	now, atEnd []bool
}

// match runs d over s. sure is false when s holds something other than
// ASCII digits, or nothing (the start of the text and its end then meet,
// which the DFA does not model): ask the regexp.
func (d *dfa) match(s string) (ok, sure bool) {
	if s == "" {
		return false, false
	}
	st := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false, false
		}
		if d.now[st] {
			return true, true
		}
		if st = d.next[int(st)*10+int(c)]; st < 0 {
			return false, true // every path died; none starts later (^)
		}
	}
	return d.now[st] || d.atEnd[st], true
}

const (
	beginOps = syntax.EmptyBeginText | syntax.EmptyBeginLine
	endOps   = syntax.EmptyEndText | syntax.EmptyEndLine
)

// buildDFA compiles pattern (as regexp.Compile does) and turns its
// program into a DFA by subset construction; nil when the program is not
// anchored at the start of the text, has assertions other than ^ and $, or
// needs more than maxDFAStates states.
func buildDFA(pattern string) *dfa {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil
	}
	if prog.StartCond()&syntax.EmptyBeginText == 0 {
		return nil
	}
	for i := range prog.Inst {
		if in := &prog.Inst[i]; in.Op == syntax.InstEmptyWidth && syntax.EmptyOp(in.Arg)&^(beginOps|endOps) != 0 {
			return nil
		}
	}
	b := &dfaBuilder{prog: prog, index: map[string]int32{}, seen: make([]bool, len(prog.Inst))}
	d := &dfa{}
	queue := [][]uint32{b.closure([]uint32{uint32(prog.Start)}, true, false)}
	b.index[key(queue[0])] = 0
	for n := 0; n < len(queue); n++ {
		set := queue[n]
		d.now = append(d.now, slices.ContainsFunc(set, func(pc uint32) bool { return prog.Inst[pc].Op == syntax.InstMatch }))
		d.atEnd = append(d.atEnd, b.matchesAtEnd(set))
		for c := rune('0'); c <= '9'; c++ {
			var to []uint32
			for _, pc := range set {
				if in := &prog.Inst[pc]; isRune(in.Op) && in.MatchRune(c) {
					to = append(to, in.Out)
				}
			}
			if len(to) == 0 {
				d.next = append(d.next, -1)
				continue
			}
			to = b.closure(to, false, false)
			k := key(to)
			id, ok := b.index[k]
			if !ok {
				if len(queue) == maxDFAStates {
					return nil
				}
				id = int32(len(queue))
				b.index[k] = id
				queue = append(queue, to)
			}
			d.next = append(d.next, id)
		}
	}
	return d
}

type dfaBuilder struct {
	prog  *syntax.Prog
	index map[string]int32
	seen  []bool
	stack []uint32
}

func isRune(op syntax.InstOp) bool {
	return op == syntax.InstRune || op == syntax.InstRune1 || op == syntax.InstRuneAny || op == syntax.InstRuneAnyNotNL
}

// closure returns the instructions reachable from pcs without reading
// a character, at the start of the text or not, at its end or not: the
// ones that read a character, the match, and (when not at the end) the
// end assertions that wait for it. The set is sorted.
func (b *dfaBuilder) closure(pcs []uint32, atBegin, atEnd bool) []uint32 {
	clear(b.seen)
	var out []uint32
	b.stack = append(b.stack[:0], pcs...)
	for len(b.stack) > 0 {
		pc := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		if b.seen[pc] {
			continue
		}
		b.seen[pc] = true
		in := &b.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			b.stack = append(b.stack, in.Arg, in.Out)
		case syntax.InstCapture, syntax.InstNop:
			b.stack = append(b.stack, in.Out)
		case syntax.InstEmptyWidth:
			op := syntax.EmptyOp(in.Arg)
			switch {
			case op&beginOps != 0 && !atBegin:
			case op&endOps != 0 && !atEnd:
				out = append(out, pc) // waits for the end of the text
			default:
				b.stack = append(b.stack, in.Out)
			}
		case syntax.InstMatch:
			out = append(out, pc)
		case syntax.InstFail:
		default: // reads a character
			if !atEnd {
				out = append(out, pc)
			}
		}
	}
	slices.Sort(out)
	return out
}

// matchesAtEnd reports whether the text ending in this state matches:
// the end assertions waiting in it lead to the match.
func (b *dfaBuilder) matchesAtEnd(set []uint32) bool {
	var waiting []uint32
	for _, pc := range set {
		switch b.prog.Inst[pc].Op {
		case syntax.InstMatch:
			return true
		case syntax.InstEmptyWidth:
			waiting = append(waiting, pc)
		}
	}
	if len(waiting) == 0 {
		return false
	}
	// Not at the start: match never sees an empty string.
	return slices.ContainsFunc(b.closure(waiting, false, true), func(pc uint32) bool { return b.prog.Inst[pc].Op == syntax.InstMatch })
}

// key encodes a sorted instruction set as a map key.
func key(set []uint32) string {
	b := make([]byte, 0, 4*len(set))
	for _, pc := range set {
		b = append(b, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
	}
	return string(b)
}
