package discovery

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Calls counts the AWS requests a scan sends, retries included, by service
// and operation. It is safe for concurrent use.
type Calls struct {
	mu   sync.Mutex
	byOp map[string]int // "service Operation"
}

// NewCalls returns an empty count.
func NewCalls() *Calls { return &Calls{byOp: map[string]int{}} }

// Wrap returns a copy of cfg whose clients count every request in c (each
// attempt, retries included). Build every client of a scan, and the
// Identity Center provider it uses, from the wrapped configuration.
func (c *Calls) Wrap(cfg aws.Config) aws.Config {
	out := cfg.Copy()
	out.APIOptions = append(slices.Clone(cfg.APIOptions), func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("DiscoveryCallCounter",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				svc := strings.ReplaceAll(strings.ToLower(awsmiddleware.GetServiceID(ctx)), " ", "-")
				c.add(svc + " " + awsmiddleware.GetOperationName(ctx))
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
	return out
}

// ByOperation returns the counts by "service Operation".
func (c *Calls) ByOperation() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byOp)
}

// ByService returns the counts by service ("iam", "sso-admin",
// "identitystore", "organizations", "sts").
func (c *Calls) ByService() map[string]int {
	out := map[string]int{}
	for k, n := range c.ByOperation() {
		svc, _, _ := strings.Cut(k, " ")
		out[svc] += n
	}
	return out
}

// Total returns the number of requests.
func (c *Calls) Total() int {
	n := 0
	for _, v := range c.ByOperation() {
		n += v
	}
	return n
}

// Reset forgets the counts.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byOp = map[string]int{}
}

func (c *Calls) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byOp[key]++
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
