package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// ReviewsConfig configures access review campaigns (docs/reviews.md).
type ReviewsConfig struct {
	// Managers maps a user's email to their manager's, for reviews whose
	// reviewers include "manager": consulted when the identity store's
	// enterprise extension names no manager for the user (moto, and
	// directories synchronised without it). Default: none.
	Managers map[string]string `json:"managers,omitempty" yaml:"managers"`
	// ConvertRecheck is how often an item converted to just-in-time access
	// that waits for a flow is looked at again. Default: 10m.
	ConvertRecheck stint.Duration `json:"convert_recheck,omitempty" yaml:"convert_recheck"`
}

// reviews checks the reviews section and the flows' owners.
func (ch *checker) reviews() {
	for user, manager := range ch.c.Reviews.Managers {
		path := "$.reviews.managers." + user
		switch {
		case !strings.Contains(user, "@") || !strings.Contains(manager, "@"):
			ch.at(path, "reviews.managers maps a user's email to their manager's email; %q: %q is not that", user, manager)
		case strings.EqualFold(user, manager):
			ch.at(path, "%s cannot be their own manager", user)
		}
	}
	if d := time.Duration(ch.c.Reviews.ConvertRecheck); d != 0 && d < time.Minute {
		ch.at("$.reviews.convert_recheck", "convert_recheck %s is shorter than 1m", d)
	}
	for i, f := range ch.c.Flows {
		for j, p := range f.Owners {
			if err := stint.ValidatePrincipalRef(p); err != nil {
				ch.at(fmt.Sprintf("$.flows[%d].owners[%d]", i, j), "flow %q: %s", f.Name, stint.ErrorMessage(err))
			}
		}
	}
}
