package defender

import "strings"

// Cloud is the set of endpoints that belong together in one Microsoft cloud: the Entra authority
// that issues tokens, the MDE API host, the token scope and the Defender portal. They are chosen
// together so that a token is never requested for one cloud and sent to another.
type Cloud struct {
	// Name is the value of MDEBOT_CLOUD: public, gcc, gcc-high or dod.
	Name string
	// AuthorityHost is the Entra authority, with a trailing slash.
	AuthorityHost string
	// APIURL is the MDE API base, without a trailing slash.
	APIURL string
	// Scope is the token scope. It stays with the cloud even when the API host is a regional or
	// custom one.
	Scope string
	// PortalURL is the Defender portal, for links in messages.
	PortalURL string
	// GraphURL is the Microsoft Graph service root (for hunting), without a trailing slash.
	GraphURL string
	// GraphScope is the Graph token scope: the service root's /.default ("Any permission scope
	// value (including the .default scope) that contains the Microsoft Graph domain MUST use the
	// domain of the Microsoft Graph service root endpoint for the national cloud deployment").
	GraphScope string
}

// Clouds lists the supported clouds by name, from the "US Government" API table of the MDE docs.
// GCC signs in at the public authority but calls the .us API.
//
// Graph hosts, from "Microsoft Graph national cloud deployments"
// (https://learn.microsoft.com/graph/deployments) and "Access national cloud deployments with
// the Microsoft Graph SDKs" (https://learn.microsoft.com/graph/sdks/national-clouds): the global
// service https://graph.microsoft.com (public, and GCC: "If you're working in a Microsoft 365 GCC
// environment, continue using the worldwide endpoints"),
// "Microsoft Graph for US Government L4" https://graph.microsoft.us (GCC High) and "Microsoft
// Graph for US Government L5 (DOD)" https://dod-graph.microsoft.us. runHuntingQuery is available
// in the global service, US Government L4 and L5, not in 21Vianet ("security: runHuntingQuery").
var clouds = map[string]Cloud{
	"public": {
		Name:          "public",
		AuthorityHost: "https://login.microsoftonline.com/",
		APIURL:        "https://api.security.microsoft.com",
		Scope:         "https://api.securitycenter.microsoft.com/.default",
		PortalURL:     "https://security.microsoft.com",
		GraphURL:      "https://graph.microsoft.com",
		GraphScope:    "https://graph.microsoft.com/.default",
	},
	"gcc": {
		Name:          "gcc",
		AuthorityHost: "https://login.microsoftonline.com/",
		APIURL:        "https://api-gcc.securitycenter.microsoft.us",
		Scope:         "https://api-gcc.securitycenter.microsoft.us/.default",
		PortalURL:     "https://security.microsoft.com",
		GraphURL:      "https://graph.microsoft.com",
		GraphScope:    "https://graph.microsoft.com/.default",
	},
	"gcc-high": {
		Name:          "gcc-high",
		AuthorityHost: "https://login.microsoftonline.us/",
		APIURL:        "https://api-gov.securitycenter.microsoft.us",
		Scope:         "https://api-gov.securitycenter.microsoft.us/.default",
		PortalURL:     "https://security.microsoft.us",
		GraphURL:      "https://graph.microsoft.us",
		GraphScope:    "https://graph.microsoft.us/.default",
	},
	"dod": {
		Name:          "dod",
		AuthorityHost: "https://login.microsoftonline.us/",
		APIURL:        "https://api-gov.securitycenter.microsoft.us",
		Scope:         "https://api-gov.securitycenter.microsoft.us/.default",
		PortalURL:     "https://security.apps.mil",
		GraphURL:      "https://dod-graph.microsoft.us",
		GraphScope:    "https://dod-graph.microsoft.us/.default",
	},
}

// CloudNames lists the accepted values of MDEBOT_CLOUD, in a stable order for messages.
var CloudNames = []string{"public", "gcc", "gcc-high", "dod"}

// LookupCloud returns the cloud with the given name (case-insensitive).
func LookupCloud(name string) (Cloud, bool) {
	c, ok := clouds[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

// microsoftAuthorityHosts are the Entra hosts of Microsoft's own clouds; instance discovery works
// only against them.
var microsoftAuthorityHosts = []string{
	"login.microsoftonline.com",
	"login.microsoftonline.us",
	"login.microsoft.com",
	"login.windows.net",
	"login.chinacloudapi.cn",
	"login.partner.microsoftonline.cn",
	"login-us.microsoftonline.com",
}

// IsMicrosoftAuthority reports whether host (a URL or a bare host name) is one of Microsoft's own
// Entra authorities. Any other authority (a private or test one) needs instance discovery turned
// off, or MSAL tries to validate it against login.microsoftonline.com.
func IsMicrosoftAuthority(host string) bool {
	h := strings.ToLower(strings.TrimSpace(host))
	h = strings.TrimPrefix(h, "https://")
	h = strings.TrimPrefix(h, "http://")
	if i := strings.IndexAny(h, "/:"); i >= 0 {
		h = h[:i]
	}
	for _, m := range microsoftAuthorityHosts {
		if h == m {
			return true
		}
	}
	return false
}
