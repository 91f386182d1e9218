package csv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// peekSize is how much of the raw file is examined to detect the encoding
// (and, decoded, the delimiter). Invalid UTF-8 appearing only after it in a
// file detected as UTF-8 is decoded value by value as Windows-1252 (see
// Reader.Next).
const peekSize = 64 << 10

// binaryProbe is how many leading bytes are searched for NUL.
const binaryProbe = 1024

const (
	encUTF8    = "utf-8"
	encUTF8BOM = "utf-8-bom"
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encCP1252  = "windows-1252"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// canonicalEncoding maps the names people write to the five this package
// knows. ISO-8859-1 is read as Windows-1252, its superset, as browsers do.
func canonicalEncoding(name string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "utf-8", "utf8":
		return encUTF8, true
	case "utf-8-bom", "utf8-bom", "utf-8 bom", "utf-8-sig":
		return encUTF8BOM, true
	case "utf-16le", "utf16le":
		return encUTF16LE, true
	case "utf-16be", "utf16be":
		return encUTF16BE, true
	case "windows-1252", "cp1252", "latin1", "latin-1", "iso-8859-1":
		return encCP1252, true
	}
	return "", false
}

// detectEncoding peeks at the start of raw, rejects empty and binary
// input, picks the encoding (forced, from the BOM, UTF-8 if the prefix is
// valid UTF-8, else Windows-1252) and discards the BOM.
func detectEncoding(raw *bufio.Reader, name, forced string) (string, error) {
	prefix, err := raw.Peek(peekSize)
	whole := errors.Is(err, io.EOF)
	if err != nil && !whole {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	enc, bom := forced, 0
	switch {
	case bytes.HasPrefix(prefix, bomUTF8) && (forced == "" || forced == encUTF8 || forced == encUTF8BOM):
		enc, bom = encUTF8BOM, len(bomUTF8)
	case bytes.HasPrefix(prefix, bomUTF16LE) && (forced == "" || forced == encUTF16LE):
		enc, bom = encUTF16LE, len(bomUTF16LE)
	case bytes.HasPrefix(prefix, bomUTF16BE) && (forced == "" || forced == encUTF16BE):
		enc, bom = encUTF16BE, len(bomUTF16BE)
	case forced != "":
	case utf8.Valid(completeRunes(prefix, whole)):
		enc = encUTF8
	default:
		enc = encCP1252
	}
	if len(prefix) == bom {
		return "", fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	if at := nulAt(prefix, bom, enc); at >= 0 {
		return "", fmt.Errorf("%s: %w (binary content at byte %d%s)", name, ErrBinary, at, binaryHint(prefix))
	}
	_, _ = raw.Discard(bom)
	return enc, nil
}

// completeRunes drops a rune cut in half at the end of a prefix that is
// not the whole file, so the cut does not read as invalid UTF-8.
func completeRunes(b []byte, whole bool) []byte {
	if whole {
		return b
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// nulAt returns the offset of the first NUL character in the first
// binaryProbe bytes after the BOM, or -1. In UTF-16 a NUL is a zero code
// unit, since every ASCII character has a zero byte.
func nulAt(b []byte, start int, enc string) int {
	end := min(len(b), start+binaryProbe)
	if enc == encUTF16LE || enc == encUTF16BE {
		for i := start; i+1 < end; i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				return i
			}
		}
		return -1
	}
	if i := bytes.IndexByte(b[start:end], 0); i >= 0 {
		return start + i
	}
	return -1
}

// binaryHint names the binary formats people most often pick by mistake.
func binaryHint(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "; it looks like an XLSX or ZIP file"
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "; it looks like an old Excel .xls file"
	case bytes.HasPrefix(b, []byte("SQLite format 3\x00")):
		return "; it looks like a SQLite database"
	}
	return ""
}

// decode returns raw decoded to UTF-8. UTF-8 is passed through as it is;
// undecodable UTF-16 becomes U+FFFD.
func decode(raw io.Reader, enc string) io.Reader {
	switch enc {
	case encCP1252:
		return transform.NewReader(raw, charmap.Windows1252.NewDecoder())
	case encUTF16LE:
		return transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder())
	case encUTF16BE:
		return transform.NewReader(raw, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder())
	}
	return raw
}

// fromCP1252 decodes s, which is not valid UTF-8, as Windows-1252, which
// decodes every byte.
func fromCP1252(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}
