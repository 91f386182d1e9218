// Package sink defines where exported records go: tables of typed columns
// that a CSV file, an XLSX workbook or a SQL database stores, upserting by
// key across runs. Each format lives in its own sub-package.
package sink

// Type is how a column's values are stored and shown.
type Type int

// Column types.
const (
	// Text is free text. Sinks that reach a spreadsheet neutralize values
	// that a spreadsheet would run as a formula (=, +, -, @, tab, CR).
	Text Type = iota
	// Phone is an E.164 number: text that must never be turned into a
	// number or prefixed.
	Phone
	// Number is a float64 (or nil for unknown).
	Number
	// Time is a time.Time in UTC (the zero time is empty).
	Time
)

// Column is one column of a table.
type Column struct {
	Name string
	Type Type
}

// Table describes one table: its name (a sheet, a SQL table, a file
// suffix), the key column rows are upserted by, and its columns in order.
type Table struct {
	Name    string
	Key     string
	Columns []Column
}

// Row is one row: values in column order. A value is a string (Text,
// Phone), a float64 or nil (Number), or a time.Time (Time).
type Row []any

// Writer stores the rows of one run. The contract every sink passes:
//   - Replace(table, rows) groups rows by the table's key: every row stored
//     earlier (this run or a previous one) whose key appears in rows is
//     dropped, then rows are added. One row per key (a call) or many (the
//     lines of a call's transcript) are both allowed. Rows of keys not in
//     the batch are kept as they were.
//   - Commit makes every row replaced so far durable, and the writer stays
//     open for more: once it returns nil, neither a crash, nor Abort, nor
//     a failed Close loses those rows. A caller that records elsewhere
//     what it wrote (a checkpoint) records it after Commit. The CSV and
//     SQL sinks make the rows visible at Commit; the XLSX sink, which can
//     only write its workbook whole, keeps them in a journal beside the
//     workbook that Close merges in, or, after a crash or an Abort, the
//     next run's Close on the same workbook. Memory holds at most the rows
//     (or keys) replaced since the last Commit, except as a sink's doc says.
//   - Close commits and ends the run: the output appears whole, or (on
//     error) is left as it was at the last Commit (before the run, when it
//     made none). Nothing is visible half-written.
//   - Abort discards the run's writes since the last Commit.
type Writer interface {
	Replace(table Table, rows []Row) error
	Commit() error
	Close() error
	Abort() error
}

// Calls is the table of call records.
var Calls = Table{Name: "calls", Key: "id", Columns: []Column{
	{"id", Text}, {"start_timestamp_utc", Time}, {"end_timestamp_utc", Time}, {"status", Text},
	{"direction", Text}, {"duration_seconds", Number}, {"cost", Number}, {"sentiment", Text},
	{"agent_id", Text}, {"campaign_id", Text}, {"contact_id", Text}, {"external_key", Text},
	{"phone", Phone}, {"summary", Text}, {"recording_url", Text},
}}

// TranscriptLines is the table of transcript lines, keyed by call: a
// call's lines are replaced together.
var TranscriptLines = Table{Name: "call_transcript_lines", Key: "call_id", Columns: []Column{
	{"call_id", Text}, {"offset_seconds", Number}, {"speaker", Text}, {"text", Text},
}}

// Contacts is the table of exported remote contacts.
var Contacts = Table{Name: "contacts", Key: "id", Columns: []Column{
	{"id", Text}, {"external_key", Text}, {"phone", Phone}, {"first_name", Text}, {"last_name", Text},
	{"email", Text}, {"company", Text}, {"title", Text}, {"tags", Text}, {"status", Text},
	{"metadata", Text}, {"created_at_utc", Time}, {"updated_at_utc", Time},
}}
