package phone

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file holds libphonenumber's metadata with its patterns compiled
// once per region, for read.go. phonenumbers looks a pattern up in a
// global cache at every use: it concatenates the pattern (often kilobytes)
// into a new anchored string, hashes it under a read lock, and then
// matches; isNumberMatchingDesc does this twice for the same pattern, and
// GetNumberType classifies a number twice (once to find its region). On
// two cores that was 97% of the pipeline's allocations and the lock's
// shared counter bounced between them. Here every pattern is compiled on
// a region's first use and read afterwards without a lock, from the same
// *PhoneMetadata values phonenumbers itself uses.

// desc is a PhoneNumberDesc: its possible lengths and its pattern.
type desc struct {
	lengths []int32 // PossibleLength; empty: those of the general desc
	local   []int32 // PossibleLengthLocalOnly
	re      *matcher
}

// matches is phonenumbers.isNumberMatchingDesc: a possible length (when
// the desc lists any) and the whole national number matching the pattern.
func (d *desc) matches(nsn string) bool {
	if len(d.lengths) > 0 && !hasLength(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.re.MatchString(nsn)
}

func hasLength(lengths []int32, n int32) bool {
	for _, l := range lengths {
		if l == n {
			return true
		}
	}
	return false
}

// meta is one PhoneMetadata, its patterns compiled on first use.
type meta struct {
	md    *phonenumbers.PhoneMetadata
	cc    int32
	ccStr string
	once  sync.Once

	// Set by compile: the descs by number type...
	general, premium, tollFree, sharedCost, voip, personal, pager, uan, voicemail desc
	fixed, mobile                                                                 desc

	// ... and the rest.
	sameMobileFixed bool
	leading         *matcher // "^(?:leading digits)", nil when none
	idd             *matcher // "^(?:international prefix)"
	natPrefix       *matcher // "^(?:national prefix for parsing)", nil when none
	transform       string   // national prefix transform rule
}

// compiled returns m with its patterns compiled.
func (m *meta) compiled() *meta {
	m.once.Do(m.compile)
	return m
}

func (m *meta) compile() {
	md := m.md
	for _, d := range []struct {
		to   *desc
		from *phonenumbers.PhoneNumberDesc
	}{
		{&m.general, md.GetGeneralDesc()}, {&m.premium, md.GetPremiumRate()}, {&m.tollFree, md.GetTollFree()},
		{&m.sharedCost, md.GetSharedCost()}, {&m.voip, md.GetVoip()}, {&m.personal, md.GetPersonalNumber()},
		{&m.pager, md.GetPager()}, {&m.uan, md.GetUan()}, {&m.voicemail, md.GetVoicemail()},
		{&m.fixed, md.GetFixedLine()}, {&m.mobile, md.GetMobile()},
	} {
		if d.from == nil { // never in phonenumbers' data; it would not read the number either
			*d.to = desc{re: compilePattern("^(?:)$")}
			continue
		}
		*d.to = desc{lengths: d.from.PossibleLength, local: d.from.PossibleLengthLocalOnly,
			re: compilePattern("^(?:" + d.from.GetNationalNumberPattern() + ")$")}
	}
	m.sameMobileFixed = md.GetSameMobileAndFixedLinePattern()
	if ld := md.GetLeadingDigits(); ld != "" {
		m.leading = compilePattern("^(?:" + ld + ")")
	}
	// phonenumbers takes the IDD only where its leftmost match starts at
	// the first digit, which is the match of the anchored pattern. (An
	// empty prefix matches there too, as it does in phonenumbers.)
	m.idd = compilePattern("^(?:" + md.GetInternationalPrefix() + ")")
	if np := md.GetNationalPrefixForParsing(); np != "" {
		m.natPrefix = compilePattern("^(?:" + np + ")")
	}
	m.transform = md.GetNationalPrefixTransformRule()
}

// patterns shares compiled patterns between regions (the NANP regions
// repeat many); it is only used while compiling.
var patterns sync.Map // string -> *matcher

func compilePattern(p string) *matcher {
	if m, ok := patterns.Load(p); ok {
		return m.(*matcher)
	}
	m, _ := patterns.LoadOrStore(p, newMatcher(regexp.MustCompile(p)))
	return m.(*matcher)
}

// metadata indexes libphonenumber's own metadata the way it does (see
// phonenumbers.newMetadataContainer). It is built once and only read
// afterwards.
var metadata = buildMetadata()

type metaIndex struct {
	regions   map[string]*meta // supported regions only
	nonGeo    map[int32]*meta  // country calling codes of region "001"
	callCodes map[int]bool     // every country calling code phonenumbers knows
}

func buildMetadata() *metaIndex {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic(err) // phonenumbers itself panicked at init already
	}
	supported := phonenumbers.GetSupportedRegions()
	idx := &metaIndex{regions: map[string]*meta{}, nonGeo: map[int32]*meta{}, callCodes: phonenumbers.GetSupportedCallingCodes()}
	for _, md := range coll.GetMetadata() {
		m := &meta{md: md, cc: md.GetCountryCode(), ccStr: strconv.Itoa(int(md.GetCountryCode()))}
		switch id := md.GetId(); {
		case id == "001":
			idx.nonGeo[m.cc] = m
		case supported[id]:
			idx.regions[id] = m
		}
	}
	return idx
}

// forRegion is phonenumbers.getMetadataForRegion: nil for "" and for
// unsupported regions.
func (x *metaIndex) forRegion(region string) *meta {
	if m := x.regions[region]; m != nil {
		return m.compiled()
	}
	return nil
}

// forRegionOrCode is phonenumbers.getMetadataForRegionOrCallingCode.
func (x *metaIndex) forRegionOrCode(cc int32, region string) *meta {
	if region == "001" {
		if m := x.nonGeo[cc]; m != nil && x.callCodes[int(cc)] {
			return m.compiled()
		}
		return nil
	}
	return x.forRegion(region)
}
