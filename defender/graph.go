package defender

import "github.com/Azure/azure-sdk-for-go/sdk/azcore"

// NewGraph returns a Microsoft Graph client for advanced hunting (Hunt calls POST
// /v1.0/security/runHuntingQuery, application permission ThreatHunting.Read.All, body {"Query",
// "Timespan"}, reply {"schema", "results"}: "security: runHuntingQuery",
// https://learn.microsoft.com/graph/api/security-security-runhuntingquery). It uses the same
// credential as the MDE client with a pipeline, bearer policy and rate limiter of its own; the
// default host and scope are the global service's (https://graph.microsoft.com and
// https://graph.microsoft.com/.default); WithBaseURL sets another host root (the client adds
// /v1.0/...), and the scope follows the cloud, never the host.
func NewGraph(cred azcore.TokenCredential, opts ...Option) (*Client, error) {
	public, _ := LookupCloud("public")
	c, err := newClient(cred, "graph", public.GraphURL, public.GraphScope, "v1.0/", opts)
	if err != nil {
		return nil, err
	}
	c.graph = true
	return c, nil
}

// IsGraph reports whether c calls Microsoft Graph rather than MDE.
func (c *Client) IsGraph() bool { return c.graph }
