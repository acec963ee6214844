package motoserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestShebangPython(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := func(name, body string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(body), 0o700))
		return path
	}
	python, ok := shebangPython(script("direct", "#!/opt/py/bin/python3.11\nimport sys\n"))
	require.True(t, ok)
	require.Equal(t, "/opt/py/bin/python3.11", python)

	if want, err := exec.LookPath("python3"); err == nil {
		python, ok = shebangPython(script("env", "#!/usr/bin/env python3\n"))
		require.True(t, ok)
		require.Equal(t, want, python)
	}

	_, ok = shebangPython(script("shim", "#!/usr/bin/env bash\nexec pyenv exec moto_server\n"))
	require.False(t, ok, "a shell shim names no Python")
	_, ok = shebangPython(filepath.Join(dir, "missing"))
	require.False(t, ok)
}

func TestExtensionsScriptRemovedOnClose(t *testing.T) {
	t.Parallel()
	s, err := Run(t.Context(), Options{NoManagedPolicies: true, SSOAdminExtensions: true})
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(s.scriptDir, "ssoadmin_ext.py"))
	require.NoError(t, s.Close())
	require.NoDirExists(t, s.scriptDir)
}
