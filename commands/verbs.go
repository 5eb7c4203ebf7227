package commands

// ReadOnly returns a registry with every read-only verb (help included).
func ReadOnly(d Deps) (*Registry, error) {
	reg := NewRegistry()
	err := reg.Add(
		helpVerb(reg),
		alertsVerb(d),
		alertVerb(d),
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
	)
	return reg, err
}
