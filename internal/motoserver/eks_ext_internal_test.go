package motoserver

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLauncherScriptsRemovedOnClose(t *testing.T) {
	t.Parallel()
	s, err := Run(t.Context(), Options{NoManagedPolicies: true, EKSExtensions: true, SSOAdminExtensions: true, IAMExtensions: true})
	require.NoError(t, err)
	for _, name := range []string{"moto_ext.py", "eks_ext.py", "ssoadmin_ext.py", "iam_ext.py"} {
		require.FileExists(t, filepath.Join(s.scriptDir, name))
	}
	require.NoError(t, s.Close())
	require.NoDirExists(t, s.scriptDir)
}
