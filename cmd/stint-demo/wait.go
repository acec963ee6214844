package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// waitHealthy waits until stint answers /healthz, or serve fails.
func waitHealthy(ctx context.Context, server string, serveErr <-chan error) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-serveErr:
			return fmt.Errorf("stint serve: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(server + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("stint did not answer at %s within a minute", server)
}
