package bot

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mdebot/mdebot/"

// layers ranks the packages under bot/ (paths relative to the module): a package may import only
// packages of a higher rank, so that dependencies point one way (runtime -> features -> their
// shared plumbing -> rendering) and the features never import each other.
var layers = map[string]int{
	"bot":           0,
	"bot/socket":    1,
	"bot/alerts":    2,
	"bot/approvals": 2,
	"bot/interact":  3,
	"bot/slackpost": 3,
	"bot/render":    4,
	"bot/slackfake": 5,
}

// below are packages outside bot/ that sit under every package of bot/ and must not import it.
var below = []string{"commands", "defender", "store"}

// TestLayers reads the imports of every Go file (tests included) straight from the source, and
// fails when a package imports one at its own rank or above, or when a package under bot/ has no
// rank yet.
func TestLayers(t *testing.T) {
	t.Parallel()
	root := ".."
	seen := map[string]bool{}
	for _, dir := range append([]string{"bot"}, below...) {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				if err == nil {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkg := filepath.ToSlash(rel)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			rank, inBot := layers[pkg]
			if strings.HasPrefix(pkg+"/", "bot/") && !inBot {
				t.Errorf("%s: package %s has no rank in layers; add it", path, pkg)
				return nil
			}
			seen[pkg] = true
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				to, ok := strings.CutPrefix(p, module)
				if !ok || to == pkg || !strings.HasPrefix(to+"/", "bot/") {
					continue
				}
				switch toRank, known := layers[to]; {
				case !known:
					t.Errorf("%s imports %s, which has no rank in layers", path, to)
				case !inBot:
					t.Errorf("%s (package %s) imports %s: nothing below bot/ may import it", path, pkg, to)
				case toRank <= rank:
					t.Errorf("%s (package %s, rank %d) imports %s (rank %d): imports must point down the layers", path, pkg, rank, to, toRank)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for pkg := range layers {
		if !seen[pkg] {
			t.Errorf("layers names %s, which has no Go files", pkg)
		}
	}
}
