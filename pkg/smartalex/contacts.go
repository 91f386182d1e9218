package smartalex

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// ContactListOptions filters the contact list. Status, Search and
// CampaignID come from the older reference: servers that do not support
// them may ignore them, so callers that depend on a filter check results.
type ContactListOptions struct {
	ListOptions
	Status     string // "active" or "dnc"
	Search     string // name, email or exact phone
	CampaignID string
}

func (o ContactListOptions) query() url.Values {
	q := url.Values{}
	o.ListOptions.apply(q)
	setIf(q, "status", o.Status)
	setIf(q, "search", o.Search)
	setIf(q, "campaign_id", o.CampaignID)
	return q
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// ListContacts returns one page of contacts, newest first.
func (c *Client) ListContacts(ctx context.Context, opts ContactListOptions) ([]Contact, *Response, error) {
	var out []Contact
	res, err := c.do(ctx, &request{method: http.MethodGet, path: "/contacts", query: opts.query(), idempotent: true}, &out)
	return out, res, err
}

// Contacts iterates over every contact matching opts (its paging fields
// are ignored), newest first, at MaxPerPage per request.
func (c *Client) Contacts(ctx context.Context, opts ContactListOptions) iter.Seq2[Contact, error] {
	return paginate(ctx, func(ctx context.Context, page, perPage int) ([]Contact, *Response, error) {
		o := opts
		o.Page, o.PerPage = page, perPage
		return c.ListContacts(ctx, o)
	}, func(ct Contact) string { return ct.ID })
}

// GetContact returns one contact; a 404 satisfies IsNotFound.
func (c *Client) GetContact(ctx context.Context, id string) (*Contact, error) {
	path, err := idPath("/contacts", id)
	if err != nil {
		return nil, err
	}
	var out Contact
	if _, err := c.do(ctx, &request{method: http.MethodGet, path: path, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateContact creates one contact. A create is never retried once it may
// have reached the server: such failures satisfy IsAmbiguous, and the
// caller must look the contact up (FindContactsByPhone) before creating it
// again.
func (c *Client) CreateContact(ctx context.Context, in ContactInput) (*Contact, error) {
	var out Contact
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/contacts", body: in}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateContact sends a partial update (PATCH) and returns the contact as
// stored. Resending the same patch is harmless, so it is retried.
func (c *Client) UpdateContact(ctx context.Context, id string, p ContactPatch) (*Contact, error) {
	path, err := idPath("/contacts", id)
	if err != nil {
		return nil, err
	}
	var out Contact
	if _, err := c.do(ctx, &request{method: http.MethodPatch, path: path, body: p, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteContact deletes one contact. If a retry finds the contact already
// gone after an attempt that may have deleted it, that is success.
func (c *Client) DeleteContact(ctx context.Context, id string) error {
	path, err := idPath("/contacts", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &request{method: http.MethodDelete, path: path, idempotent: true, goneIsDone: true}, nil)
	return err
}

// FindContactsByPhone returns every contact whose phone equals phone (E.164)
// exactly. It asks the server to search when it supports it; results are
// filtered here, so a server that ignores the search parameter gives the
// right answer too, at the cost of listing every contact.
func (c *Client) FindContactsByPhone(ctx context.Context, phone string) ([]Contact, error) {
	if phone == "" {
		return nil, errors.New("FindContactsByPhone: empty phone")
	}
	var found []Contact
	for ct, err := range c.Contacts(ctx, ContactListOptions{Search: phone}) {
		if err != nil {
			return nil, err
		}
		if ct.Phone == phone {
			found = append(found, ct)
		}
	}
	return found, nil
}

// errEmptyID is returned, before any request, for an empty record id:
// sending it would address the whole collection instead of one record.
var errEmptyID = errors.New("empty id")

// idPath returns collection + "/" + the escaped id; ids are opaque, so
// any character is escaped rather than interpreted.
func idPath(collection, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("%s: %w", collection, errEmptyID)
	}
	return collection + "/" + url.PathEscape(id), nil
}
