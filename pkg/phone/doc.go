// Package phone turns the phone numbers found in CRM exports into E.164,
// the only form the SmartAlex API accepts, and explains every repair and
// every rejection with a Reason code and a Message.
//
// Normalize first cleans the cell (blanks, quoting, "tel:" URIs,
// spreadsheet damage, extensions, punctuation, Unicode digits, vanity
// letters), then parses the digits once with libphonenumber. Only when
// that reading is not a valid number does it try a second one, with the
// "+" or international prefix that spreadsheets and people lose.
//
// Decisions the caller should know:
//   - A number written with "+" (or an international prefix) is judged on
//     its own country code; the row's region only reads numbers written
//     without one. A German row holding +44 7400 123456 is accepted as GB.
//   - A cell with two numbers ("555-1234 / 555-9876") is rejected with
//     InvalidNumber: picking one would call the wrong person half the time.
//   - Scientific notation that lost digits to rounding ("1.55512E+10") is
//     rejected with InvalidNumber rather than padded with zeros.
//   - A local number without its area code is TooShort.
//   - An unknown row region is not replaced by the default region: only
//     numbers with a country code or an international prefix can then be
//     read.
//   - Without any region (no DefaultRegion, no row region) digits without
//     "+" are taken as international numbers that lost their "+".
package phone
