package motoserver_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/motoserver"
)

func TestStartServesAWSAndResets(t *testing.T) {
	t.Parallel()
	s := motoserver.Start(t)
	ctx := context.Background()

	out, err := sts.NewFromConfig(s.AWSConfig()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, motoserver.AccountID, *out.Account)
	require.NoError(t, s.Reset(ctx))
}

func TestRunFailsClearlyWithoutMoto(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := motoserver.Run(context.Background(), motoserver.Options{})
	require.ErrorContains(t, err, "moto_server not found on PATH")
}
