// Package sim is a SmartAlex API simulator: an http.Handler that implements
// the contract in smartalex-api.md strictly (validation, envelopes, quotas,
// pagination, late call fields, webhooks) and injects faults on demand, so
// the client and the pipelines can be tested without the real service. It
// shares no code with the client: its wire structs are its own.
//
// The API is served under /v1 (a client's base URL is http://host:port/v1).
// Admin endpoints without authentication live under /_sim/: GET stats,
// POST reset {"calls":N}, GET contacts (every contact, one bare array) and
// POST calls {"count":N}.
//
// Where the contract is silent the simulator decides:
//
//   - Request pipeline order: latency, auth (401, not counted), quota (429,
//     not counted), pre-change faults (reset, 500), 404/405, read-only key
//     (403), the handler, then the ambiguous-write fault, which only
//     replaces a 2xx answer (a rejected write changed nothing).
//   - Unknown query parameters are ignored; known ones are validated.
//   - Unknown and read-only body fields (id, created_at, ...) are 400.
//     JSON null counts as "not sent"; an empty string clears an optional
//     field, which is then served as null.
//   - PUT is the same partial update as PATCH; tags and metadata are
//     replaced whole. status may be set to active or dnc on create too.
//   - Call list items omit transcript; GET /calls/{id} carries it (null
//     until the late fields appear). A call arrives when it ends, so its
//     start_timestamp is in the past; from_date and to_date are inclusive
//     bounds on start_timestamp. A sentiment filter matches only calls
//     whose late fields are visible.
//   - Adding an unknown contact id to a campaign counts as skipped. Campaign
//     transitions: start from draft, pause from active, resume from paused;
//     any other is 400 invalid_request.
//   - Deleting a contact removes it from campaigns; its calls keep contact_id.
//   - Webhook deliveries are retried up to 3 times after the first try on a
//     5xx or network error, with a backoff of Minute/60 doubled per retry;
//     a 4xx is not retried.
//   - Quotas and stats are not saved in the state file; the world and the
//     random generators are, so a restarted simulator continues the same
//     sequences (unless Options.Calls seeds more calls at the restart).
//   - Seeded calls (Options.Calls) are linked to random existing contacts,
//     regardless of when those contacts were created; seeded before any
//     contact exists, they have a null contact_id.
package sim
