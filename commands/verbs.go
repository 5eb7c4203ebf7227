package commands

// Build returns a registry with every verb: help, the read-only look-ups, and the verbs of the
// features whose dependencies are set in d.
func Build(d Deps) (*Registry, error) {
	reg := NewRegistry()
	verbs := []*Verb{
		helpVerb(reg),
		alertsVerb(d),
		withAlertUpdates(d, alertVerb(d)),
		machineVerb(d),
		machinesVerb(d),
		actionsVerb(d),
		actionVerb(d),
		indicatorsVerb(d),
		fileVerb(d),
		ipVerb(d),
		domainVerb(d),
		userVerb(d),
		huntVerb(d),
		statusVerb(d),
		auditVerb(d),
	}
	verbs = append(verbs, responseVerbs(d)...)
	if d.Mutes != nil {
		verbs = append(verbs, muteVerb(d), mutesVerb(d), unmuteVerb(d))
	}
	if d.Permissions != nil {
		for _, v := range verbs {
			gate(v, d.Permissions)
		}
	}
	return reg, reg.Add(verbs...)
}
