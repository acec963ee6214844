package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var effectScenarios = []scenario{
	{name: "effect/put, update and delete with versions", run: testEffectLifecycle},
	{name: "effect/stale writes conflict", run: testEffectCAS},
	{name: "effect/missing is not found", run: testEffectMissing},
	{name: "effect/list by kind in key order", run: testEffectList},
}

func putEffect(t *testing.T, s stint.Store, e *stint.Effect) {
	t.Helper()
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectPut(ctx, e) })
}

func testEffectLifecycle(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	e := newEffect("k-1")
	putEffect(t, s, e)
	require.EqualValues(t, 1, e.Version)
	got, err := s.EffectGet(ctx, "k-1")
	require.NoError(t, err)
	require.Equal(t, e, got)

	got.Holders, got.State, got.Preexisting = []string{"g-3"}, stint.EffectDeleting, false
	putEffect(t, s, got)
	require.EqualValues(t, 2, got.Version)
	again, err := s.EffectGet(ctx, "k-1")
	require.NoError(t, err)
	require.Equal(t, got, again)

	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectDelete(ctx, "k-1", 2) })
	_, err = s.EffectGet(ctx, "k-1")
	requireCode(t, err, stint.ENOTFOUND, "k-1")

	reborn := newEffect("k-1")
	reborn.Holders = nil
	putEffect(t, s, reborn)
	require.EqualValues(t, 1, reborn.Version, "a deleted effect can be created again")
	got, err = s.EffectGet(ctx, "k-1")
	require.NoError(t, err)
	require.Equal(t, reborn, got)
}

func testEffectCAS(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	putEffect(t, s, newEffect("k-1"))
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectPut(ctx, newEffect("k-1")) })
	requireCode(t, err, stint.ECONFLICT, "k-1")

	first, err := s.EffectGet(ctx, "k-1")
	require.NoError(t, err)
	second, err := s.EffectGet(ctx, "k-1")
	require.NoError(t, err)
	first.Holders = append(first.Holders, "g-3")
	putEffect(t, s, first)

	second.Holders = nil
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectPut(ctx, second) })
	requireCode(t, err, stint.ECONFLICT, "k-1", "retry")
	require.EqualValues(t, 1, second.Version)
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectDelete(ctx, "k-1", 1) })
	requireCode(t, err, stint.ECONFLICT, "k-1", "retry")

	got, err := s.EffectGet(ctx, "k-1")
	require.NoError(t, err)
	require.Equal(t, first, got)
	require.Equal(t, []string{"g-1", "g-2", "g-3"}, got.Holders)
}

func testEffectMissing(t *testing.T, s stint.Store, _ *config) {
	_, err := s.EffectGet(t.Context(), "k-nope")
	requireCode(t, err, stint.ENOTFOUND, "k-nope")
	e := newEffect("k-nope")
	e.Version = 4
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectPut(ctx, e) })
	requireCode(t, err, stint.ENOTFOUND, "k-nope")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectDelete(ctx, "k-nope", 1) })
	requireCode(t, err, stint.ENOTFOUND, "k-nope")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.EffectPut(ctx, &stint.Effect{}) })
	requireCode(t, err, stint.EINVALID)
}

func testEffectList(t *testing.T, s stint.Store, _ *config) {
	for _, key := range []string{"c", "a", "d", "b"} {
		e := newEffect(key)
		if key == "b" || key == "d" {
			e.Kind = "aws-iam-role"
		}
		putEffect(t, s, e)
	}
	tests := []struct {
		name   string
		params *stint.EffectListParams
		want   []string
	}{
		{"nil params: all in key order", nil, []string{"a", "b", "c", "d"}},
		{"by kind", &stint.EffectListParams{Kind: stint.EffectKindSSO}, []string{"a", "c"}},
		{"limit", &stint.EffectListParams{Limit: 3}, []string{"a", "b", "c"}},
		{"no match", &stint.EffectListParams{Kind: "aws-s3"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.EffectList(t.Context(), tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got, effectKey))
		})
	}
}
