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
	// Schedules start campaigns on their own, one every Every, on the
	// server's leader. Default: none.
	Schedules []ReviewSchedule `json:"schedules,omitempty" yaml:"schedules"`
}

// ReviewSchedule is a recurring access review: every Every the server
// opens a campaign "NAME YYYY-MM-DD" with this scope and these reviewers,
// open for OpenFor.
type ReviewSchedule struct {
	// Name names the schedule; its campaigns are "NAME YYYY-MM-DD".
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description"`
	// Every is the time between campaigns, at least 1d (e.g. 90d for a
	// quarterly certification).
	Every stint.Duration `json:"every" yaml:"every"`
	// OpenFor is how long each campaign is open: its deadline is its
	// start plus OpenFor. At least 1h, at most Every. Default: 14d, or
	// Every when shorter.
	OpenFor stint.Duration `json:"open_for,omitempty" yaml:"open_for"`
	// Scope is what each campaign reviews, as for `stint review create`
	// (scan is not allowed: each campaign takes the latest scan).
	Scope stint.ReviewScope `json:"scope" yaml:"scope"`
	// Reviewers, Reminders, AutoRevoke and AllowSelfReview are the
	// campaign's (see stint.CampaignSpec).
	Reviewers       []string         `json:"reviewers,omitempty" yaml:"reviewers"`
	Reminders       []stint.Duration `json:"reminders,omitempty" yaml:"reminders"`
	AutoRevoke      bool             `json:"auto_revoke,omitempty" yaml:"auto_revoke"`
	AllowSelfReview bool             `json:"allow_self_review,omitempty" yaml:"allow_self_review"`
}

// DefaultReviewOpenFor is ReviewSchedule.OpenFor's default.
const DefaultReviewOpenFor = 14 * 24 * time.Hour

// OpenTime is how long the schedule's campaigns are open.
func (s ReviewSchedule) OpenTime() time.Duration {
	if s.OpenFor > 0 {
		return time.Duration(s.OpenFor)
	}
	return min(DefaultReviewOpenFor, time.Duration(s.Every))
}

// Spec is the campaign the schedule opens at start.
func (s ReviewSchedule) Spec(start time.Time) stint.CampaignSpec {
	return stint.CampaignSpec{
		Name: s.Name + " " + start.UTC().Format(time.DateOnly), Description: s.Description, Scope: s.Scope,
		Reviewers: s.Reviewers, Deadline: start.Add(s.OpenTime()), Reminders: s.Reminders,
		AutoRevoke: s.AutoRevoke, AllowSelfReview: s.AllowSelfReview,
	}
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
	seen := map[string]bool{}
	for i, sc := range ch.c.Reviews.Schedules {
		path := fmt.Sprintf("$.reviews.schedules[%d]", i)
		name := strings.TrimSpace(sc.Name)
		switch {
		case name == "":
			ch.at(path, "a review schedule needs a name")
			continue
		case len(name) > 180:
			ch.at(path+".name", "schedule name %.20q... is longer than 180 characters", name)
		case seen[strings.ToLower(name)]:
			ch.at(path+".name", "two review schedules are named %q", name)
		}
		seen[strings.ToLower(name)] = true
		every := time.Duration(sc.Every)
		if every < 24*time.Hour {
			ch.at(path+".every", "review schedule %q: every must be at least 1d (e.g. 90d), not %s", name, every)
			continue
		}
		if open := time.Duration(sc.OpenFor); open != 0 && (open < time.Hour || open > every) {
			ch.at(path+".open_for", "review schedule %q: open_for %s must be between 1h and every (%s)", name, open, every)
			continue
		}
		if sc.Scope.Scan != "" {
			ch.at(path+".scope.scan", "review schedule %q: a schedule takes the latest scan each time; remove scan", name)
			continue
		}
		now := time.Now()
		if _, err := stint.NewCampaign(sc.Spec(now), "check", "config", now); err != nil {
			ch.at(path, "review schedule %q: %s", name, stint.ErrorMessage(err))
		}
	}
	for i, f := range ch.c.Flows {
		for j, p := range f.Owners {
			if err := stint.ValidatePrincipalRef(p); err != nil {
				ch.at(fmt.Sprintf("$.flows[%d].owners[%d]", i, j), "flow %q: %s", f.Name, stint.ErrorMessage(err))
			}
		}
	}
}
