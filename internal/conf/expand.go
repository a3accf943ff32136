package conf

import (
	"errors"
	"fmt"
	"strings"
)

// maxExpansions bounds ${...} substitutions in one string, so a cycle
// (A refers to B refers to A) is an error instead of racoon2's endless loop.
const maxExpansions = 64

var errCycle = errors.New("variable expansion does not terminate (a setval cycle?)")

// undefinedError names a variable that has no definition.
type undefinedError struct {
	name string
	env  bool
}

func (e *undefinedError) Error() string {
	if e.env {
		return fmt.Sprintf("environment variable $[%s] is not set", e.name)
	}
	return fmt.Sprintf("variable ${%s} is not defined by setval", e.name)
}

// expand replaces every ${NAME} from vars, repeatedly, then every $[NAME]
// from the environment, as rc_strex does.
func expand(s string, vars map[string]string, env func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	s, err := expandKind(s, '{', '}', func(n string) (string, bool) { v, ok := vars[n]; return v, ok })
	if err != nil {
		return "", err
	}
	return expandEnv(s, env)
}

func expandEnv(s string, env func(string) (string, bool)) (string, error) {
	return expandKind(s, '[', ']', env)
}

func expandKind(s string, open, close byte, lookup func(string) (string, bool)) (string, error) {
	start := string([]byte{'$', open})
	for i := 0; ; i++ {
		at := strings.Index(s, start)
		if at < 0 {
			return s, nil
		}
		if i >= maxExpansions {
			return "", errCycle
		}
		end := strings.IndexByte(s[at+2:], close)
		if end < 0 {
			return "", fmt.Errorf("unterminated %q in %q", start, s)
		}
		name := s[at+2 : at+2+end]
		v, ok := lookup(name)
		if !ok {
			return "", &undefinedError{name: name, env: open == '['}
		}
		s = s[:at] + v + s[at+2+end+1:]
	}
}
