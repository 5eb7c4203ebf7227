package main

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/mdebot/mdebot/defender"
)

// newGraphClient builds the Microsoft Graph client that hunt uses (MDEBOT_HUNT_API=graph, the
// default): the same credential as MDE, its own pipeline, bearer policy and rate limiter (lim), the
// host MDEBOT_GRAPH_URL or the cloud's, and always the cloud's Graph scope. It is nil with
// MDEBOT_HUNT_API=mde, when hunt stays on the retiring MDE API.
func newGraphClient(cfg *Config, cred azcore.TokenCredential, sm seams, m *defender.Metrics, lim *defender.Limiter) (*defender.Client, error) {
	if !cfg.HuntOnGraph() {
		return nil, nil
	}
	opts := []defender.Option{defender.WithBaseURL(cfg.GraphURL()), defender.WithScope(cfg.GraphScope()), defender.WithMetrics(m), defender.WithLimiter(lim)}
	if sm.transport != nil {
		opts = append(opts, defender.WithTransport(sm.transport))
	}
	return defender.NewGraph(cred, opts...)
}
