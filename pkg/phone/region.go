package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// regionIndex maps every spelling Region accepts, in exact form for
// ISO codes and in folded form (see foldName) for everything, to the ISO
// 3166 alpha-2 code. It is built once and only read afterwards.
var regionIndex = buildRegionIndex()

func buildRegionIndex() map[string]string {
	supported := phonenumbers.GetSupportedRegions()
	index := make(map[string]string, 4*len(supported))
	for line := range strings.Lines(regionNames) {
		fields := strings.Split(strings.TrimSpace(line), "|")
		code := fields[0]
		if !supported[code] {
			continue
		}
		index[code] = code
		for _, name := range fields[1:] {
			if name != "-" {
				index[name] = code
				index[foldName(name)] = code
			}
		}
	}
	for code := range supported {
		index[code] = code
		index[strings.ToLower(code)] = code
	}
	return index
}

// Region resolves an ISO 3166 alpha-2 or alpha-3 code ("GB", "gb",
// "GBR") or an English country name ("United Kingdom", "UK", "the
// Netherlands", "Côte d'Ivoire") to the alpha-2 code libphonenumber uses.
// It folds case, accents, punctuation and "St."/"Saint", and reports false
// for anything it does not know or libphonenumber does not support.
func Region(nameOrCode string) (string, bool) {
	if code, ok := regionIndex[nameOrCode]; ok {
		return code, true
	}
	if len(nameOrCode) > 80 {
		return "", false
	}
	code, ok := regionIndex[foldName(nameOrCode)]
	return code, ok
}

// accentFold maps the accented letters found in country names to ASCII.
var accentFold = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a",
	"ç", "c", "è", "e", "é", "e", "ê", "e", "ë", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i", "ñ", "n",
	"ò", "o", "ó", "o", "ô", "o", "õ", "o", "ö", "o", "ø", "o",
	"ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y",
	"’", "", "'", "", ".", "", "&", " and ",
)

// foldName reduces a country name to lower-case ASCII words separated by
// single spaces, without a leading "the" and with "st" spelled "saint".
func foldName(s string) string {
	s = accentFold.Replace(strings.ToLower(s))
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if len(words) > 0 && words[0] == "the" {
		words = words[1:]
	}
	if len(words) > 1 && words[len(words)-1] == "the" {
		words = words[:len(words)-1]
	}
	for i, w := range words {
		if w == "st" || w == "ste" {
			words[i] = "saint"
		}
	}
	return strings.Join(words, " ")
}
