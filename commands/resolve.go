package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// resolveMachine finds the one device that argument arg of c names: a device ID, an exact
// computer name (case-insensitive; a short name may match several domains) or an IP address
// seen in the last 15 minutes. When several devices match it returns a choice, never a guess:
// the caller returns that response as it is.
func resolveMachine(ctx context.Context, mde *defender.Client, c *Call, arg Token) (defender.Machine, *Response, error) {
	s := strings.TrimSpace(arg.Text)
	if s == "" {
		return defender.Machine{}, nil, badArg(c.Verb, "Name a device: its ID, its computer name or its IP address.")
	}
	if err := checkMachineArg(c, s); err != nil {
		return defender.Machine{}, nil, err
	}
	var matches []defender.Machine
	var err error
	switch {
	case defender.IsMachineID(s):
		m, err := mde.GetMachine(ctx, strings.ToLower(s))
		if errors.Is(err, defender.ErrNotFound) {
			return m, nil, Errorf(NotFound, "No device has the ID %s.", s)
		}
		return m, nil, err
	case looksLikeIP(s):
		ip, perr := defender.ParseIP(s)
		if perr != nil {
			return defender.Machine{}, nil, badArg(c.Verb, "%s", ErrorMessage(perr, c.Ref))
		}
		matches, err = mde.MachinesByIP(ctx, ip, c.Now)
	default:
		if perr := checkComputerName(s); perr != nil {
			return defender.Machine{}, nil, badArg(c.Verb, "%s", perr.Error())
		}
		matches, err = mde.MachinesByName(ctx, s)
	}
	if err != nil {
		return defender.Machine{}, nil, err
	}
	switch len(matches) {
	case 0:
		if looksLikeIP(s) {
			return defender.Machine{}, nil, Errorf(NotFound, "No device had the IP address %s in the last 15 minutes.", s)
		}
		return defender.Machine{}, nil, Errorf(NotFound, "No device is named %s. Try `machines name=%s` to search by prefix.", Plain(s, 80), Plain(s, 80))
	case 1:
		return matches[0], nil, nil
	}
	return defender.Machine{}, choose(c, arg, matches), nil
}

// choose builds the choice between several devices: each button runs the same command with the
// device's ID in place of the ambiguous argument.
func choose(c *Call, arg Token, ms []defender.Machine) *Response {
	const maxChoices = 20
	view := ChoiceView{Prompt: fmt.Sprintf("%d devices match %s. Which one did you mean?", len(ms), arg.Text)}
	for i, m := range ms {
		if i == maxChoices {
			view.Prompt += fmt.Sprintf(" (showing the first %d; use a device ID)", maxChoices)
			break
		}
		cmd := c.Text[:arg.Start] + m.ID + c.Text[arg.End:]
		detail := strings.TrimSpace(fmt.Sprintf("%s · %s · last seen %s", m.OSPlatform, m.RBACGroupName, m.LastSeen.UTC().Format("2006-01-02 15:04")))
		view.Choices = append(view.Choices, Choice{Label: m.ComputerDNSName, Detail: detail, Command: cmd})
	}
	return &Response{Text: view.Prompt, View: view}
}

func looksLikeIP(s string) bool {
	if strings.Contains(s, ":") {
		return true
	}
	dots := 0
	for _, r := range s {
		switch {
		case r == '.':
			dots++
		case r < '0' || r > '9':
			return false
		}
	}
	return dots == 3
}

// checkComputerName accepts DNS-like computer names: ASCII letters, digits, '-', '_' and '.'.
func checkComputerName(s string) error {
	if len(s) > 255 {
		return errors.New("A computer name has at most 255 characters.")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("%q is not a device ID, an IP address or a computer name (letters, digits, '-', '_' and '.').", Plain(s, 40))
		}
	}
	return nil
}
