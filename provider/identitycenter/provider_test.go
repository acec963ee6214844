package identitycenter_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/identitycenter"
)

func TestNewDiscoversTheInstance(t *testing.T) {
	t.Parallel()
	p, err := identitycenter.New(context.Background(), fastConfig(moto.URL()))
	require.NoError(t, err)
	require.Equal(t, org.InstanceARN, p.InstanceARN())
	require.Equal(t, org.IdentityStoreID, p.IdentityStoreID())

	cfg := fastConfig(moto.URL())
	cfg.InstanceARN = org.InstanceARN
	p, err = identitycenter.New(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, org.IdentityStoreID, p.IdentityStoreID())
}

func TestNewRejectsAnUnknownInstance(t *testing.T) {
	t.Parallel()
	cfg := fastConfig(moto.URL())
	cfg.InstanceARN = "arn:aws:sso:::instance/ssoins-0000000000000000"
	_, err := identitycenter.New(context.Background(), cfg)
	require.True(t, stint.IsCode(err, stint.EINVALID), "%v", err)
	require.ErrorContains(t, err, "not found in this account and region; found: "+org.InstanceARN)
}

func TestNewUsesTheConfiguredRegion(t *testing.T) {
	t.Parallel()
	cfg := fastConfig(moto.URL())
	cfg.Region = "eu-west-3" // moto has a default instance in every region
	p, err := identitycenter.New(context.Background(), cfg)
	require.NoError(t, err)
	require.NotEqual(t, org.InstanceARN, p.InstanceARN())
}

// TestNewLoadsTheDefaultConfiguration checks that a zero AWS config loads the
// standard chain, AWS_ENDPOINT_URL included. It sets environment variables,
// so it cannot run in parallel.
func TestNewLoadsTheDefaultConfiguration(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL", moto.URL())

	p, err := identitycenter.New(context.Background(), identitycenter.Config{Region: motoserver.Region})
	require.NoError(t, err)
	require.Equal(t, org.InstanceARN, p.InstanceARN())
}
