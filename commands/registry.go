package commands

import (
	"fmt"
	"sort"
	"strings"
)

// Registry holds the verbs by name.
type Registry struct {
	verbs map[string]*Verb
	names []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{verbs: map[string]*Verb{}} }

// Add registers verbs; a name registered twice is a programming error reported here.
func (r *Registry) Add(vs ...*Verb) error {
	for _, v := range vs {
		name := strings.ToLower(v.Name)
		if name == "" || v.Run == nil || v.Role == 0 {
			return fmt.Errorf("commands: verb %q needs a name, a role and a Run function", v.Name)
		}
		if _, dup := r.verbs[name]; dup {
			return fmt.Errorf("commands: verb %q registered twice", name)
		}
		r.verbs[name] = v
		r.names = append(r.names, name)
	}
	sort.Strings(r.names)
	return nil
}

// Lookup finds a verb by name, case-insensitively.
func (r *Registry) Lookup(name string) (*Verb, bool) {
	v, ok := r.verbs[strings.ToLower(name)]
	return v, ok
}

// Verbs returns every verb, sorted by name.
func (r *Registry) Verbs() []*Verb {
	out := make([]*Verb, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, r.verbs[n])
	}
	return out
}

// Closest returns the registered verb nearest to name (by edit distance, a prefix counting as
// near), or "" when nothing is close enough to suggest.
func (r *Registry) Closest(name string) string {
	name = strings.ToLower(name)
	best, bestD := "", 1<<30
	for _, n := range r.names {
		d := editDistance(name, n)
		if strings.HasPrefix(n, name) && len(name) >= 2 {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	if bestD > max(2, len(name)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance on runes, capped for long inputs.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 {
		return len(ra)
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
