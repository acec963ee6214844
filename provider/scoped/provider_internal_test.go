package scoped

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyedMutex(t *testing.T) {
	t.Parallel()
	var k keyedMutex
	unlock, err := k.lock(t.Context(), "a")
	require.NoError(t, err)
	other, err := k.lock(t.Context(), "b") // another key is free
	require.NoError(t, err)
	other()

	ctx, cancel := contextWithCancel(t)
	cancel()
	_, err = k.lock(ctx, "a")
	require.ErrorIs(t, err, ctx.Err())

	got := make(chan struct{})
	go func() {
		u, err := k.lock(t.Context(), "a")
		if err == nil {
			u()
		}
		close(got)
	}()
	unlock()
	unlock() // twice is harmless
	<-got
	k.mu.Lock()
	defer k.mu.Unlock()
	require.Empty(t, k.m, "entries go away")
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}
