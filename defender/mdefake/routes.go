package mdefake

import "net/http"

// mdeRoutes is the MDE route table with the application permissions of each endpoint (any one
// role of a route's list is enough). Literal segments are lower case; matching is
// case-insensitive.
func mdeRoutes() []route {
	alertRead := []string{"Alert.Read.All", "Alert.ReadWrite.All"}
	alertWrite := []string{"Alert.ReadWrite.All"}
	machineRead := []string{"Machine.Read.All", "Machine.ReadWrite.All"}
	// Add or Remove Tag API: Machine.ReadWrite.All only (Machine.Read.All is not enough).
	machineWrite := []string{"Machine.ReadWrite.All"}
	ti := []string{"Ti.ReadWrite", "Ti.ReadWrite.All"}
	file := []string{"File.Read.All"}
	ip := []string{"Ip.Read.All"}
	url := []string{"URL.Read.All"}
	user := []string{"User.Read.All"}
	cancel := []string{"Machine.CollectForensics", "Machine.Isolate", "Machine.RestrictExecution",
		"Machine.Scan", "Machine.Offboard", "Machine.StopAndQuarantine", "Machine.LiveResponse"}
	get, post := http.MethodGet, http.MethodPost
	p := func(s ...string) []string { return s }
	routes := []route{
		{get, p("alerts"), alertRead, listAlerts},
		{get, p("alerts", "*"), alertRead, getAlert},
		{http.MethodPatch, p("alerts", "*"), alertWrite, patchAlert},
		{get, p("alerts", "*", "machine"), machineRead, alertMachine},
		{get, p("alerts", "*", "files"), file, alertFiles},
		{get, p("alerts", "*", "ips"), ip, alertIPs},
		{get, p("alerts", "*", "domains"), url, alertDomains},
		{get, p("alerts", "*", "user"), user, alertUser},

		{get, p("machines"), machineRead, listMachines},
		{get, p("machines", "findbytag"), machineRead, findByTag},
		{get, p("machines", "findbyip(*"), machineRead, findByIP},
		{get, p("machines", "*"), machineRead, getMachine},
		{get, p("machines", "*", "logonusers"), user, machineLogonUsers},
		{get, p("machines", "*", "alerts"), alertRead, machineAlerts},
		{post, p("machines", "*", "tags"), machineWrite, tagMachine},

		{get, p("machineactions"), machineRead, listActions},
		{get, p("machineactions", "*"), machineRead, getAction},
		{post, p("machineactions", "*", "cancel"), cancel, cancelAction},
		{get, p("machineactions", "*", "getpackageuri"), machineRead, packageURI},

		{get, p("indicators"), ti, listIndicators},
		{post, p("indicators"), ti, submitIndicator},
		{http.MethodDelete, p("indicators", "*"), ti, deleteIndicator},

		{post, p("advancedqueries", "run"), []string{"AdvancedQuery.Read.All"}, runHunting},

		{get, p("files", "*"), file, getFile},
		{get, p("files", "*", "stats"), file, fileStats},
		{get, p("files", "*", "alerts"), alertRead, fileAlerts},
		{get, p("files", "*", "machines"), machineRead, fileMachines},
		{get, p("ips", "*", "stats"), ip, ipStats},
		{get, p("ips", "*", "alerts"), alertRead, ipAlerts},
		{get, p("domains", "*", "stats"), url, domainStats},
		{get, p("domains", "*", "alerts"), alertRead, domainAlerts},
		{get, p("domains", "*", "machines"), machineRead, domainMachines},
		{get, p("users", "*", "alerts"), alertRead, userAlerts},
		{get, p("users", "*", "machines"), machineRead, userMachines},
	}
	for _, a := range machineActionKinds() {
		routes = append(routes, route{post, p("machines", "*", a.path), []string{a.role}, machineActionHandler(a)})
	}
	return routes
}
