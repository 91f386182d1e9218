package smartalex

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// MaxCampaignContacts is the most contact ids one add request takes;
// AddCampaignContacts splits longer lists.
const MaxCampaignContacts = 100

// ListCampaigns returns one page of campaigns, newest first.
func (c *Client) ListCampaigns(ctx context.Context, opts ListOptions) ([]Campaign, *Response, error) {
	q := url.Values{}
	opts.apply(q)
	var out []Campaign
	res, err := c.do(ctx, &request{method: http.MethodGet, path: "/campaigns", query: q, idempotent: true}, &out)
	return out, res, err
}

// Campaigns iterates over every campaign, newest first.
func (c *Client) Campaigns(ctx context.Context) iter.Seq2[Campaign, error] {
	return paginate(ctx, func(ctx context.Context, page, perPage int) ([]Campaign, *Response, error) {
		return c.ListCampaigns(ctx, ListOptions{Page: page, PerPage: perPage})
	}, func(cp Campaign) string { return cp.ID })
}

// GetCampaign returns one campaign.
func (c *Client) GetCampaign(ctx context.Context, id string) (*Campaign, error) {
	path, err := idPath("/campaigns", id)
	if err != nil {
		return nil, err
	}
	var out Campaign
	if _, err := c.do(ctx, &request{method: http.MethodGet, path: path, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateCampaign creates a draft campaign. Like every create, a failure
// after the request was sent satisfies IsAmbiguous and is not retried.
func (c *Client) CreateCampaign(ctx context.Context, in CampaignInput) (*Campaign, error) {
	var out Campaign
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/campaigns", body: in}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddCampaignContacts adds contacts to a campaign, MaxCampaignContacts per
// request, and sums the results. Adding a member twice is skipped by the
// server, so each request is safe to retry. On error the result counts
// the batches that succeeded.
func (c *Client) AddCampaignContacts(ctx context.Context, campaignID string, contactIDs []string) (AddContactsResult, error) {
	var total AddContactsResult
	path, err := idPath("/campaigns", campaignID)
	if err != nil {
		return total, err
	}
	for start := 0; start < len(contactIDs); start += MaxCampaignContacts {
		batch := contactIDs[start:min(start+MaxCampaignContacts, len(contactIDs))]
		var out AddContactsResult
		body := struct {
			ContactIDs []string `json:"contact_ids"`
		}{batch}
		if _, err := c.do(ctx, &request{method: http.MethodPost, path: path + "/contacts", body: body, idempotent: true}, &out); err != nil {
			return total, fmt.Errorf("adding contacts %d-%d of %d: %w", start+1, start+len(batch), len(contactIDs), err)
		}
		total.Added += out.Added
		total.Skipped += out.Skipped
	}
	return total, nil
}

// StartCampaign starts a campaign and returns it as stored.
func (c *Client) StartCampaign(ctx context.Context, id string) (*Campaign, error) {
	return c.campaignAction(ctx, id, "start")
}

// PauseCampaign pauses an active campaign.
func (c *Client) PauseCampaign(ctx context.Context, id string) (*Campaign, error) {
	return c.campaignAction(ctx, id, "pause")
}

// ResumeCampaign resumes a paused campaign.
func (c *Client) ResumeCampaign(ctx context.Context, id string) (*Campaign, error) {
	return c.campaignAction(ctx, id, "resume")
}

// campaignAction posts a state change. The change is idempotent (a second
// start of a started campaign changes nothing), so it is retried.
func (c *Client) campaignAction(ctx context.Context, id, action string) (*Campaign, error) {
	path, err := idPath("/campaigns", id)
	if err != nil {
		return nil, err
	}
	var out Campaign
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: path + "/" + action, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
