package slack

import (
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

// reviewReminderDM tells a reviewer how many items of a campaign wait for
// their decision, and how to decide.
func reviewReminderDM(e *stint.Event) message {
	name, _ := e.Data["campaign"].(string)
	n := 0
	switch v := e.Data["pending"].(type) {
	case int:
		n = v
	case float64:
		n = int(v)
	}
	deadline := ""
	if t, ok := stint.DataTime(e.Data["deadline"]); ok {
		deadline = " by " + when(t.UTC().Truncate(time.Minute))
	}
	text := fmt.Sprintf("Access review %q: %d %s to review%s", name, n, plural(n, "item"), deadline)
	return dm(text, section(fmt.Sprintf(":clipboard: *Access review %s*: %d %s wait for your decision%s. Keep, revoke or convert each with `stint review items --campaign %s` and `stint review decide`, or in the portal.",
		esc(name), n, plural(n, "item"), deadline, e.Subject)))
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
