package smartalex

import (
	"context"
	"net/http"
)

// Webhook event types the API documents.
var EventTypes = []string{
	"call.started", "call.connected", "call.completed", "call.failed",
	"campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed",
	"contact.created", "contact.updated", "contact.deleted", "contact.dnc",
	"callback.scheduled", "callback.completed", "callback.cancelled",
}

// CreateWebhook registers an endpoint. The answer carries SigningSecret,
// once: store it, it cannot be read again. Not retried once sent.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	var out Webhook
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/webhooks", body: in}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhooks returns every registered webhook (without secrets).
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	if _, err := c.do(ctx, &request{method: http.MethodGet, path: "/webhooks", idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteWebhook removes a webhook; one already gone after an attempt that
// may have removed it counts as removed.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	path, err := idPath("/webhooks", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &request{method: http.MethodDelete, path: path, idempotent: true, goneIsDone: true}, nil)
	return err
}
