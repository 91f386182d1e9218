package sim

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// contact is one stored contact. Empty optional strings are served as null.
type contact struct {
	ID           string            `json:"id"`
	Seq          uint64            `json:"seq"`
	Phone        string            `json:"phone"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name,omitempty"`
	Email        string            `json:"email,omitempty"`
	Company      string            `json:"company,omitempty"`
	Title        string            `json:"title,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Status       string            `json:"status"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	CallsCount   int               `json:"calls_count,omitempty"`
	LastCalledAt time.Time         `json:"last_called_at"`
}

func cmpContact(a, b *contact) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Seq, b.Seq))
}

// renderContact builds the wire form of c in its record's shape; the older
// shape adds calls_count and last_called_at.
func (s *Server) renderContact(c *contact) map[string]any {
	m := map[string]any{
		"id":         c.ID,
		"phone":      c.Phone,
		"first_name": c.FirstName,
		"last_name":  nullable(c.LastName),
		"email":      nullable(c.Email),
		"company":    nullable(c.Company),
		"title":      nullable(c.Title),
		"tags":       append([]string{}, c.Tags...),
		"metadata":   maps.Clone(c.Metadata),
		"status":     c.Status,
		"created_at": timestamp(c.CreatedAt),
		"updated_at": timestamp(c.UpdatedAt),
	}
	if c.Metadata == nil {
		m["metadata"] = map[string]string{}
	}
	if s.oldShape(c.ID) {
		m["calls_count"] = c.CallsCount
		m["last_called_at"] = nullableTime(c.LastCalledAt)
	}
	return m
}

var (
	e164    = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// contactInput is a create or update body. Nil means not sent; JSON null
// counts as not sent. Unknown fields (including read-only ones such as id
// and created_at) are rejected.
type contactInput struct {
	Phone     *string            `json:"phone"`
	FirstName *string            `json:"first_name"`
	LastName  *string            `json:"last_name"`
	Email     *string            `json:"email"`
	Company   *string            `json:"company"`
	Title     *string            `json:"title"`
	Tags      *[]string          `json:"tags"`
	Metadata  *map[string]string `json:"metadata"`
	Status    *string            `json:"status"`
}

// validate checks in for a create (create true) or an update of the
// contact with id self.
func (s *Server) validateContact(in *contactInput, create bool, self *contact) *reply {
	if create && (in.FirstName == nil || in.Phone == nil) {
		return badRequest("first_name and phone are required")
	}
	if in.FirstName != nil && strings.TrimSpace(*in.FirstName) == "" {
		return badRequest("first_name must not be empty")
	}
	if in.Phone != nil && !e164.MatchString(*in.Phone) {
		return badRequest("phone %q is not E.164 (e.g. +14155550123)", *in.Phone)
	}
	if in.Email != nil && *in.Email != "" && !emailRE.MatchString(*in.Email) {
		return badRequest("email %q is not a valid email address", *in.Email)
	}
	if in.Status != nil && *in.Status != "active" && *in.Status != "dnc" {
		return badRequest("status %q must be active or dnc", *in.Status)
	}
	if in.Tags != nil && slices.Contains(*in.Tags, "") {
		return badRequest("tags must be non-empty strings")
	}
	if in.Phone != nil && s.opts.Duplicates == "reject" {
		held := s.w.phones[*in.Phone]
		if self != nil && self.Phone == *in.Phone {
			held--
		}
		if held > 0 {
			return badRequest("phone %s already belongs to another contact", *in.Phone)
		}
	}
	return nil
}

// apply copies the sent fields of in onto c; tags and metadata are
// replaced whole. It keeps the phone index in step.
func (w *world) apply(c *contact, in *contactInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if in.Phone != nil && *in.Phone != c.Phone {
		w.unindexPhone(c.Phone)
		c.Phone = *in.Phone
		w.phones[c.Phone]++
	}
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Email, in.Email)
	set(&c.Company, in.Company)
	set(&c.Title, in.Title)
	set(&c.Status, in.Status)
	if in.Tags != nil {
		c.Tags = slices.Clone(*in.Tags)
	}
	if in.Metadata != nil {
		c.Metadata = maps.Clone(*in.Metadata)
	}
}

func (w *world) unindexPhone(phone string) {
	if phone == "" {
		return
	}
	if w.phones[phone]--; w.phones[phone] <= 0 {
		delete(w.phones, phone)
	}
}

// matches reports whether c passes the list filters: status, search (exact
// phone, or a case-insensitive substring of the name or email) and
// membership of a campaign.
func (w *world) matches(c *contact, status, search, campaignID string) bool {
	if status != "" && c.Status != status {
		return false
	}
	if campaignID != "" {
		cp, ok := w.campByID[campaignID]
		if !ok || !cp.memberSet[c.ID] {
			return false
		}
	}
	if search == "" || c.Phone == search {
		return true
	}
	needle := strings.ToLower(search)
	name := strings.ToLower(c.FirstName + " " + c.LastName)
	return strings.Contains(name, needle) || strings.Contains(strings.ToLower(c.Email), needle)
}

func notFound(kind string) reply {
	return errReply(http.StatusNotFound, "not_found", fmt.Sprintf("no %s with this id", kind))
}
