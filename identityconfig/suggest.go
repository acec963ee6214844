package identityconfig

import "github.com/stint-dev/stint/internal/yamlstrict"

// suggest returns the candidate closest to s by edit distance (ignoring
// case) when it is a likely typo, and "" otherwise.
func suggest(s string, candidates []string) string { return yamlstrict.Suggest(s, candidates) }

// didYouMean returns " (did you mean X?)" or "".
func didYouMean(s string, candidates []string) string {
	return yamlstrict.DidYouMean(s, candidates)
}
